package dev.bffgateway.web;

import dev.bffgateway.ops.Metrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * Where the front door sends a request: a proxied route or the gateway's own endpoints.
 *
 * @param id     the route's id, or "gateway"
 * @param meters the route's meters; null for the gateway's endpoints
 */
public record Target(String id, Metrics.RouteMeters meters, Handler handler) {
  /** Handles one request; may tell the exchange who the user is. */
  @FunctionalInterface
  public interface Handler {
    void handle(HttpServerRequest request, Exchange exchange);
  }

  /** The gateway's own endpoints, whose answers all carry {@code X-Content-Type-Options: nosniff}. */
  public static Target gateway(io.vertx.core.Handler<HttpServerRequest> endpoints) {
    return new Target("gateway", null, (request, exchange) -> {
      request.response().putHeader(ErrorResponses.NOSNIFF, "nosniff");
      endpoints.handle(request);
    });
  }
}
