package dev.bffgateway.proxy;

import dev.bffgateway.web.RequestIds;
import io.vertx.core.Future;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

/** Sends the request's id to the upstream, and keeps the client seeing exactly one id: the gateway's. */
final class RequestIdHeader implements ProxyInterceptor {
  static final RequestIdHeader INSTANCE = new RequestIdHeader();

  private RequestIdHeader() {
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    context.request().headers().set(RequestIds.HEADER, RequestIds.of(context.request().proxiedRequest()));
    return context.sendRequest();
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    context.response().headers().remove(RequestIds.HEADER);
    return context.sendResponse();
  }
}
