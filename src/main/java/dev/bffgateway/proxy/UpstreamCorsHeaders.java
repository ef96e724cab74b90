package dev.bffgateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;

import java.util.List;

/** When the gateway answers CORS itself, an upstream's own CORS headers must not contradict it. */
final class UpstreamCorsHeaders implements ProxyInterceptor {
  static final UpstreamCorsHeaders INSTANCE = new UpstreamCorsHeaders();

  private UpstreamCorsHeaders() {
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    MultiMap headers = context.response().headers();
    List<String> cors = headers.names().stream().filter(name -> name.regionMatches(true, 0, "access-control-", 0, 15)).toList();
    cors.forEach(headers::remove);
    return context.sendResponse();
  }
}
