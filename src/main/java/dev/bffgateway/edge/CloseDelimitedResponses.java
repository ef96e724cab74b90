package dev.bffgateway.edge;

import io.netty.handler.codec.DateFormatter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import java.util.Date;

/**
 * A HTTP/1.0 client has no chunked coding, so a response of unknown length reaches it close-delimited (RFC 9112
 * §6.3): streamed as it comes, and the connection closed after it. HttpProxy instead holds such a body whole until
 * it ends, which an endless stream (SSE) or a large download turns into unbounded memory. A body that breaks off
 * resets the connection, so the client cannot take a truncated body for a whole one.
 */
final class CloseDelimitedResponses implements ProxyInterceptor {
  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    ProxyResponse response = context.response();
    HttpServerRequest request = context.request().proxiedRequest();
    Body body = response.getBody();
    if (request.version() != HttpVersion.HTTP_1_0 || body == null || body.length() >= 0 || request.method() == HttpMethod.HEAD) {
      return context.sendResponse();
    }
    HttpServerResponse out = request.response();
    out.setStatusCode(response.getStatusCode());
    if (response.getStatusMessage() != null) {
      out.setStatusMessage(response.getStatusMessage());
    }
    out.headers().addAll(response.headers());
    if (!out.headers().contains(HttpHeaders.DATE)) {
      out.putHeader(HttpHeaders.DATE, DateFormatter.format(new Date()));
    }
    out.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    return body.stream().pipe().endOnFailure(false).to(out).andThen(sent -> {
      if (sent.failed()) {
        out.reset();
      } else {
        request.connection().close();
      }
    });
  }
}
