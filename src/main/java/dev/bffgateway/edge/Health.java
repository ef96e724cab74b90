package dev.bffgateway.edge;

import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.store.StoreLifecycle;
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

  private static final long STORE_CHECK_TIMEOUT_MS = 2_000;

  private Health() {
  }

  private static String storeType(GatewayConfig config) {
    return config.store().type().name().toLowerCase(java.util.Locale.ROOT);
  }

  public static void mount(Router router, Vertx vertx, GatewayConfig config, StoreLifecycle store) {
    HealthChecks readiness = HealthChecks.create(vertx)
      .register("routes", promise -> promise.complete(Status.OK(new JsonObject().put("count", config.routes().size()))))
      .register("store", STORE_CHECK_TIMEOUT_MS, promise -> store.ping()
        .onSuccess(ok -> promise.complete(Status.OK(new JsonObject().put("type", storeType(config)))))
        .onFailure(failure -> promise.complete(Status.KO(new JsonObject().put("type", storeType(config))
          .put("error", failure.getMessage())))));
    // Answering at all is the liveness signal; the check makes the answer JSON instead of an empty 204.
    HealthChecks liveness = HealthChecks.create(vertx).register("process", promise -> promise.complete(Status.OK()));
    router.get(ReservedPaths.HEALTH + "/live").handler(HealthCheckHandler.createWithHealthChecks(liveness));
    router.get(ReservedPaths.HEALTH + "/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
  }
}
