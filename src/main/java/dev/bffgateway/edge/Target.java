package dev.bffgateway.edge;

import dev.bffgateway.ops.Metrics;
import io.vertx.ext.web.RoutingContext;

/**
 * What a request's path leads to: a proxied route, or the gateway's own endpoints (the router's next routes).
 *
 * @param id     the route's id, or "gateway"
 * @param meters the route's meters; null for the gateway's endpoints
 * @param route  the proxied route's handlers; null for the gateway's endpoints
 * @param pathParameters whether the path may carry {@code ;} parameters
 */
public record Target(String id, Metrics.RouteMeters meters, Route route, boolean pathParameters) {
  public static final Target GATEWAY = new Target("gateway", null, null, false);

  /** A proxied route's handler chain: method, user, roles, CSRF, then the upstream. */
  @FunctionalInterface
  public interface Route {
    void handle(RoutingContext ctx, Exchange exchange);
  }
}
