package dev.bffgateway.proxy;

import dev.bffgateway.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import java.util.List;

/**
 * Tells the upstream who really called: {@code X-Forwarded-For/Proto/Host}, and {@code X-Forwarded-Prefix}
 * when the route strips its prefix. The gateway is the edge, so whatever the client claimed in these
 * headers is dropped first; an upstream must be able to trust them.
 */
final class ForwardedHeaders implements ProxyInterceptor {
  static final String FOR = "x-forwarded-for";
  static final String PROTO = "x-forwarded-proto";
  static final String HOST = "x-forwarded-host";
  static final String PREFIX = "x-forwarded-prefix";
  private static final List<String> CLIENT_CLAIMS = List.of(
    "forwarded", FOR, PROTO, HOST, PREFIX, "x-forwarded-port", "x-forwarded-server", "x-real-ip");

  private final String prefix;

  ForwardedHeaders(RouteConfig route) {
    this.prefix = route.stripPrefix() && !route.path().equals("/") ? route.path() : null;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    HttpServerRequest incoming = context.request().proxiedRequest();
    MultiMap headers = context.request().headers();
    for (String name : CLIENT_CLAIMS) {
      headers.remove(name);
    }
    SocketAddress client = incoming.remoteAddress();
    if (client != null && client.hostAddress() != null) {
      headers.set(FOR, client.hostAddress());
    }
    headers.set(PROTO, incoming.scheme());
    HostAndPort authority = incoming.authority();
    if (authority != null) {
      headers.set(HOST, authority.toString());
    }
    if (prefix != null) {
      headers.set(PREFIX, prefix);
    }
    return context.sendRequest();
  }
}
