package dev.bffgateway.edge;

import dev.bffgateway.config.CorsConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * CORS for the configured exact origins, answered by the gateway for every route and endpoint: preflights never
 * reach an upstream, and an upstream's own CORS headers are replaced by the gateway's. With no origin
 * configured it does nothing at all.
 */
public final class Cors {
  private final CorsConfig config;
  private final String methods;
  private final String headers;
  private final String exposed;

  public Cors(CorsConfig config) {
    this.config = config;
    this.methods = String.join(", ", config.allowedMethods());
    this.headers = String.join(", ", config.allowedHeaders());
    this.exposed = String.join(", ", config.exposedHeaders());
  }

  public boolean enabled() {
    return !config.allowedOrigins().isEmpty();
  }

  /**
   * Adds the CORS headers an allowed origin gets; answers a preflight itself.
   *
   * @return true when the request was a preflight and has been answered
   */
  public boolean handle(HttpServerRequest request) {
    String origin = request.getHeader("origin");
    if (!enabled() || origin == null) {
      return false;
    }
    HttpServerResponse response = request.response();
    response.headers().add("vary", "Origin");
    boolean allowed = config.allowedOrigins().contains(origin) || config.allowedOrigins().contains("*");
    boolean preflight = request.method() == HttpMethod.OPTIONS && request.getHeader("access-control-request-method") != null;
    if (allowed) {
      MultiMap out = response.headers();
      out.set("access-control-allow-origin", config.allowedOrigins().contains(origin) ? origin : "*");
      if (config.allowCredentials()) {
        out.set("access-control-allow-credentials", "true");
      }
      if (preflight) {
        out.set("access-control-allow-methods", methods)
          .set("access-control-allow-headers", headers)
          .set("access-control-max-age", Integer.toString(config.maxAgeSeconds()));
      } else {
        out.set("access-control-expose-headers", exposed);
      }
    }
    if (preflight) {
      response.setStatusCode(allowed ? 204 : 403).end();
      return true;
    }
    return false;
  }
}
