package dev.bffgateway.proxy;

import dev.bffgateway.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;

/**
 * Opens the request toward a route's upstream on the shared, pooled client. The idle timeout bounds both the
 * wait for the response to start and any silence while it streams, so a slow upstream becomes a 504 while a
 * long download that keeps moving is never cut.
 */
final class UpstreamOrigin implements OriginRequestProvider {
  private final RequestOptions template;

  UpstreamOrigin(RouteConfig route, int connectTimeoutMs) {
    this.template = new RequestOptions()
      .setHost(route.upstream().host())
      .setPort(route.upstream().port())
      .setSsl(route.upstream().tls())
      .setConnectTimeout(Math.min(connectTimeoutMs, route.timeoutMs()))
      .setIdleTimeout(route.timeoutMs());
  }

  @Override
  public Future<HttpClientRequest> create(ProxyContext context) {
    return context.client().request(new RequestOptions(template));
  }
}
