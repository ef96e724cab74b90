package dev.bffgateway.proxy;

import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.web.ErrorResponses;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyOptions;

import java.util.stream.Collectors;

/**
 * A configured route on one event loop: checks the method, then streams the exchange through vertx-http-proxy
 * with one small interceptor per concern. Bodies are piped with back-pressure both ways, never buffered.
 */
public final class ProxyRoute implements Handler<HttpServerRequest> {
  private final RouteConfig route;
  private final HttpProxy proxy;
  private final String allowed;

  public ProxyRoute(RouteConfig route, ProxyConfig proxyConfig, HttpClient client) {
    this.route = route;
    this.allowed = route.methods().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    this.proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(route.websocket()), client)
      .origin(new UpstreamOrigin(route, proxyConfig.connectTimeoutMs()))
      // Request interceptors run in this order, response interceptors in reverse. Hop-by-hop removal comes
      // before the gateway adds its own headers, so that a client's Connection header cannot remove them.
      .addInterceptor(new UpstreamFailures(route.id()), false)
      .addInterceptor(HopByHopHeaders.INSTANCE, false)
      .addInterceptor(new UpstreamPath(route), true)
      .addInterceptor(new ForwardedHeaders(route), true)
      .addInterceptor(RequestIdHeader.INSTANCE, true);
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (!route.allows(request.method())) {
      request.response().putHeader(HttpHeaders.ALLOW, allowed);
      ErrorResponses.send(request.response(), 405, "Method " + request.method().name() + " is not allowed on " + route.path());
      return;
    }
    proxy.handle(request);
  }
}
