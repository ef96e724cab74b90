package dev.bffgateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;

/**
 * A proxied response that carries tokens the gateway refreshed on the way (Set-Cookie) must never be cached,
 * whatever the upstream said about its own content.
 */
final class GatewayCookiesNoStore implements ProxyInterceptor {
  static final GatewayCookiesNoStore INSTANCE = new GatewayCookiesNoStore();

  private GatewayCookiesNoStore() {
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    if (context.request().proxiedRequest().response().headers().contains(HttpHeaders.SET_COOKIE)) {
      context.response().headers().remove(HttpHeaders.EXPIRES).set(HttpHeaders.CACHE_CONTROL, "no-store");
    }
    return context.sendResponse();
  }
}
