package dev.bffgateway.ops;

import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.ReservedPaths;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: every check of what traffic depends on
 * passes, each reported by name (the stores add theirs).
 */
public final class Health {

  private Health() {
  }

  public static void mount(Router router, Vertx vertx, GatewayConfig config) {
    HealthChecks readiness = HealthChecks.create(vertx)
      .register("routes", promise -> promise.complete(Status.OK(new JsonObject().put("count", config.routes().size()))));
    // Answering at all is the liveness signal; the check makes the answer JSON instead of an empty 204.
    HealthChecks liveness = HealthChecks.create(vertx).register("process", promise -> promise.complete(Status.OK()));
    router.get(ReservedPaths.HEALTH + "/live").handler(HealthCheckHandler.createWithHealthChecks(liveness));
    router.get(ReservedPaths.HEALTH + "/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
  }
}
