package dev.bffgateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import java.util.List;

/**
 * Keeps connection-level headers on their own hop (RFC 9110 §7.6.1): the fixed hop-by-hop set and every
 * header that {@code Connection} names, in both directions. Vert.x drops the fixed set from requests only.
 */
final class HopByHopHeaders implements ProxyInterceptor {
  static final HopByHopHeaders INSTANCE = new HopByHopHeaders();
  private static final List<String> FIXED = List.of(
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade");

  private HopByHopHeaders() {
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    MultiMap headers = context.request().headers();
    removeNamedByConnection(headers);
    headers.remove("proxy-connection");
    return context.sendRequest();
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    MultiMap headers = context.response().headers();
    removeNamedByConnection(headers);
    for (String name : FIXED) {
      headers.remove(name);
    }
    return context.sendResponse();
  }

  private static void removeNamedByConnection(MultiMap headers) {
    List<String> connection = headers.getAll("connection");
    for (String value : connection) {
      for (String token : value.split(",")) {
        String name = token.trim();
        if (!name.isEmpty()) {
          headers.remove(name);
        }
      }
    }
  }
}
