package dev.bffgateway.edge;

import dev.bffgateway.edge.RequestAuthenticator.Authenticated;

import dev.bffgateway.ops.Metrics;

import dev.bffgateway.config.MetricsConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /metrics} in Prometheus' text format. Secure by default: with no {@code metrics.token} only clients
 * on this machine may scrape; with one, a scraper must send it as a bearer token (compared in constant time).
 */
public final class MetricsEndpoint {
  private MetricsEndpoint() {
  }

  public static void mount(Router router, MetricsConfig config, Metrics metrics) {
    if (!config.enabled()) {
      return;
    }
    byte[] expected = config.token() == null ? null : ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
    router.get(MetricsConfig.PATH).handler(ctx -> {
      if (allowed(ctx, expected)) {
        ctx.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(metrics.registry().scrape());
      }
    });
  }

  private static boolean allowed(RoutingContext ctx, byte[] expected) {
    if (expected == null) {
      if (GatewayCookies.fromLoopback(ctx.request().remoteAddress())) {
        return true;
      }
      ErrorResponses.send(ctx.response(), 403, "Metrics are only served to this machine unless metrics.token is set");
      return false;
    }
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    ErrorResponses.send(ctx.response().putHeader("www-authenticate", "Bearer"), 401, "Not Authenticated");
    return false;
  }
}
