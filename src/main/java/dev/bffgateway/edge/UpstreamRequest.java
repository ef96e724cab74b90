package dev.bffgateway.edge;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

/**
 * Shapes the upstream request: the route's header rules and the caller's identity ({@link UpstreamHeaders}, in one
 * pass over the client's headers), the upstream path, and the body's framing.
 * <ul>
 *   <li>A request without a body goes without one (no pipe to set up, and safe to send again).</li>
 *   <li>RFC 9113 §8.1.1 lets a HTTP/2 request end its body without announcing a length, but a HTTP/1.1 upstream must be
 *       told where it ends (RFC 9112 §6.3), or it reads the rest as the next request: smuggling. HttpProxy 5.0 sends
 *       such a body neither chunked nor with a length, so it is read whole here, up to
 *       {@code proxy.maxBufferedBodyBytes} (413 beyond), and goes with its Content-Length, as nginx does by default.</li>
 *   <li>{@code Expect: 100-continue} (RFC 9110 §10.1.1) is answered by the gateway once the request was let through:
 *       HttpProxy would pass the header on and the client would wait out its own timer. The header stays on its hop.</li>
 * </ul>
 */
final class UpstreamRequest implements ProxyInterceptor {
  private static final MediaType JSON = MediaType.parse(ErrorResponses.JSON);

  private final UpstreamHeaders headers;
  private final UpstreamPath path;
  private final long maxBufferedBodyBytes;

  UpstreamRequest(UpstreamHeaders headers, UpstreamPath path, long maxBufferedBodyBytes) {
    this.headers = headers;
    this.path = path;
    this.maxBufferedBodyBytes = maxBufferedBodyBytes;
  }

  /**
   * Whether the request may carry a body. A HTTP/1.x request without Content-Length or Transfer-Encoding has none
   * (RFC 9112 §6.3); a HTTP/2 one has one unless its stream already ended.
   */
  static boolean carriesBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !length.equals("0"))
      || (length == null && isHttp2(request) && !request.isEnded());
  }

  private static boolean isHttp2(HttpServerRequest request) {
    return request.version() != HttpVersion.HTTP_1_1 && request.version() != HttpVersion.HTTP_1_0;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    RouteProxy.Forwarding forwarding = RouteProxy.Forwarding.of(context);
    ProxyRequest request = context.request();
    HttpServerRequest incoming = request.proxiedRequest();
    request.headers().clear();
    headers.toUpstream(incoming, request.headers(), forwarding.user(), forwarding.token(), forwarding.exchange().forwardedFor());
    request.setURI(path.upstreamUri(forwarding.path(), incoming.query()));
    if (context.isWebSocket()) {
      // HttpProxy turns the Connection header into Connection: Upgrade; both are hop-by-hop otherwise.
      request.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).set(HttpHeaders.UPGRADE, incoming.getHeader(HttpHeaders.UPGRADE));
      return context.sendRequest();
    }
    if (!carriesBody(incoming)) {
      request.setBody(null);
      incoming.resume();
      return context.sendRequest();
    }
    if (incoming.version() != HttpVersion.HTTP_1_0 && "100-continue".equalsIgnoreCase(incoming.getHeader(HttpHeaders.EXPECT))) {
      incoming.response().writeContinue();
    }
    if (isHttp2(incoming) && incoming.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
      return whole(incoming).compose(body -> {
        request.setBody(body.length() == 0 ? null : Body.body(body));
        return context.sendRequest();
      }, tooLarge -> Future.succeededFuture(request.release().response()
        .setStatusCode(413)
        .putHeader(ErrorResponses.NOSNIFF, "nosniff")
        .setBody(Body.body(ErrorResponses.body(413, tooLarge.getMessage()), JSON))));
    }
    return context.sendRequest();
  }

  /** The whole body, or a failure as soon as it is longer than allowed; the rest is then read and dropped. */
  private Future<Buffer> whole(HttpServerRequest incoming) {
    Promise<Buffer> read = Promise.promise();
    Buffer body = Buffer.buffer();
    incoming.handler(chunk -> {
      if (body.length() + (long) chunk.length() > maxBufferedBodyBytes) {
        incoming.handler(null).endHandler(null);
        read.tryFail("A HTTP/2 request body without content-length is limited to " + maxBufferedBodyBytes + " bytes");
      } else {
        body.appendBuffer(chunk);
      }
    });
    incoming.exceptionHandler(read::tryFail);
    incoming.endHandler(ended -> read.tryComplete(body));
    incoming.resume();
    return read.future();
  }
}
