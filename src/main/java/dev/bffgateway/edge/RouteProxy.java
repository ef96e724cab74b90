package dev.bffgateway.edge;

import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.token.VerifiedToken;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.proxy.handler.ProxyHandler;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;

/**
 * A route's forwarding on one event loop: vertx-web-proxy's {@link ProxyHandler} over a vertx-http-proxy
 * {@link HttpProxy}, with one interceptor per concern. In request order (responses pass them in reverse):
 * <ol>
 *   <li>the hand-off of what the route's handlers learnt (the path, the user, the upstream's token);</li>
 *   <li>{@link CloseDelimitedResponses}: a HTTP/1.0 client's response streams instead of being held whole;</li>
 *   <li>{@link UpstreamFailures}: 502/504 as JSON, an idempotent request lost on a stale connection sent again;</li>
 *   <li>{@link UpstreamRequest}: header rules, identity, path rewrite, body framing, {@code 100 Continue};</li>
 *   <li>{@link UpstreamResponse}: header rules toward the client, the gateway's cookies kept the gateway's.</li>
 * </ol>
 * The upstream request itself comes from the event loop's pooled {@link HttpClient}, with the route's connect
 * timeout; the route's timeout proper is kept by {@link UpstreamDeadlines}.
 */
public final class RouteProxy {
  /** What the route's handlers decided, for the interceptors of one request. */
  record Forwarding(Exchange exchange, String path, VerifiedToken user, String token) {
    static final String KEY = "bff.forwarding";

    static Forwarding of(ProxyContext context) {
      return context.get(KEY, Forwarding.class);
    }
  }

  private final ProxyHandler handler;
  private final RequestOptions origin;
  private final UpstreamConnections connections;
  /**
   * Set for the duration of {@link #forward} only: HttpProxy runs the first interceptor's request phase within
   * its {@code handle}, on this event loop, and that interceptor attaches it to the request's context.
   */
  private Forwarding pending;

  static final String UPSTREAM_REQUEST = "bff.upstreamRequest";

  public RouteProxy(UpstreamDeadlines deadlines, RouteConfig route, ProxyConfig proxy, HttpClient client,
                    UpstreamConnections connections, RouteServices services, Metrics.RouteMeters meters) {
    this.connections = connections;
    this.origin = new RequestOptions()
      .setHost(route.upstream().host())
      .setPort(route.upstream().port())
      .setSsl(route.upstream().tls())
      .setConnectTimeout(Math.min(proxy.connectTimeoutMs(), route.timeoutMs()));
    UpstreamHeaders headers = new UpstreamHeaders(route, services.cors().enabled(), new UpstreamIdentity(route, services.cookies()));
    HttpProxy httpProxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(route.websocket()), client)
      .origin(this::openUpstream)
      .addInterceptor(new ProxyInterceptor() {
        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
          context.set(Forwarding.KEY, pending);
          pending = null;
          return context.sendRequest();
        }
      }, true)
      .addInterceptor(new CloseDelimitedResponses())
      .addInterceptor(new UpstreamFailures(route.id(), deadlines, route.timeoutMs(), meters, this::openUpstream), true)
      .addInterceptor(new UpstreamRequest(headers, new UpstreamPath(route), proxy.maxBufferedBodyBytes()), true)
      .addInterceptor(new UpstreamResponse(route.id(), headers, services.cookies()), true);
    this.handler = ProxyHandler.create(httpProxy);
  }

  /**
   * @param path  the request's path as normalised for matching: what the upstream gets (under its base path)
   * @param user  the caller, or null for an anonymous request
   * @param token the token the upstream gets as {@code Authorization: Bearer}, or null
   */
  void forward(RoutingContext ctx, Exchange exchange, String path, VerifiedToken user, String token) {
    pending = new Forwarding(exchange, path, user, token);
    try {
      handler.handle(ctx);
    } finally {
      pending = null;
    }
  }

  /** A request toward the route's upstream, on a pooled connection; whether that connection carried one before is noted. */
  private Future<HttpClientRequest> openUpstream(ProxyContext context) {
    return context.client().request(origin).andThen(opened -> {
      if (opened.succeeded()) {
        context.set(UPSTREAM_REQUEST, opened.result());
        context.set(UpstreamConnections.REUSED, connections.reused(opened.result().connection()));
      }
    });
  }
}
