package dev.bffgateway.proxy;

import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.web.ErrorResponses;
import dev.bffgateway.ops.Metrics;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.Pipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Streams a route's requests to its upstream on the event loop's pooled client, and the responses back: bodies
 * are piped with back-pressure both ways, never buffered, and the header rules are applied while copying. Written
 * directly on Vert.x's HTTP client rather than vertx-http-proxy's HttpProxy, which copied every header map twice,
 * parsed and reformatted dates and cache headers, and built a chain of futures per request: about a third of the
 * gateway's time per request.
 * <p>The route's timeout bounds both the wait for the response to start and any silence while it streams, so a
 * slow upstream becomes a 504 while a long download that keeps moving is never cut. An upstream that refuses or
 * resets the connection is a 502.
 */
final class Forwarder {
  private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

  private final String routeId;
  private final HttpClient client;
  private final String host;
  private final int port;
  private final boolean tls;
  private final long connectTimeoutMs;
  private final long timeoutMs;
  private final boolean websocket;
  private final UpstreamPath path;
  private final UpstreamHeaders headers;
  private final Metrics.RouteMeters meters;

  Forwarder(RouteConfig route, ProxyConfig proxy, HttpClient client, boolean corsByGateway, Metrics.RouteMeters meters) {
    this.routeId = route.id();
    this.client = client;
    this.host = route.upstream().host();
    this.port = route.upstream().port();
    this.tls = route.upstream().tls();
    this.connectTimeoutMs = Math.min(proxy.connectTimeoutMs(), route.timeoutMs());
    this.timeoutMs = route.timeoutMs();
    this.websocket = route.websocket();
    this.path = new UpstreamPath(route);
    this.headers = new UpstreamHeaders(route, corsByGateway);
    this.meters = meters;
  }

  /**
   * Whether the request may carry a body, which must then be held (paused) until the upstream can take it. A
   * HTTP/1.x request without Content-Length or Transfer-Encoding has none.
   */
  static boolean carriesBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !length.equals("0"))
      || (length == null && request.version() == HttpVersion.HTTP_2 && !request.isEnded());
  }

  /** @param normalizedPath the request's path as the front door normalised it for matching */
  void forward(HttpServerRequest request, String normalizedPath) {
    boolean chunked = request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    if (chunked && !onlyChunked(request.headers().getAll(HttpHeaders.TRANSFER_ENCODING))) {
      ErrorResponses.send(request.response(), 400, "The request's Transfer-Encoding is not supported");
      return;
    }
    boolean upgrade = websocket && request.canUpgradeToWebSocket();
    // pipe() pauses the request until the upstream request exists to take its body.
    Pipe<Buffer> body = carriesBody(request) ? request.pipe().endOnFailure(false) : null;
    RequestOptions options = new RequestOptions()
      .setMethod(request.method())
      .setHost(host)
      .setPort(port)
      .setSsl(tls)
      .setURI(path.upstreamUri(normalizedPath, request.query()))
      .setConnectTimeout(connectTimeoutMs)
      .setIdleTimeout(timeoutMs);
    long start = System.nanoTime();
    client.request(options).onComplete(opened -> {
      if (opened.failed()) {
        failed(request, body, opened.cause());
        return;
      }
      HttpClientRequest upstream = opened.result();
      headers.toUpstream(request, upstream.headers());
      if (upgrade) {
        upgrade(request, upstream);
      } else {
        send(request, body, chunked, upstream, start);
      }
    });
  }

  private void send(HttpServerRequest request, Pipe<Buffer> body, boolean chunked, HttpClientRequest upstream, long start) {
    HttpServerResponse response = request.response();
    // The client went away: end the upstream exchange too, rather than finish it for nobody.
    response.exceptionHandler(gone -> upstream.reset());
    if (body == null) {
      upstream.end();
    } else {
      upstream.setChunked(chunked);
      body.to(upstream).onFailure(failure -> upstream.reset());
    }
    upstream.response().onComplete(answered -> {
      if (answered.failed()) {
        failed(request, body, answered.cause());
      } else {
        meters.upstreamAnswered(System.nanoTime() - start);
        relay(request, upstream, answered.result());
      }
    });
  }

  private void relay(HttpServerRequest request, HttpClientRequest upstream, HttpClientResponse answer) {
    HttpServerResponse response = request.response();
    List<String> encodings = answer.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
    if (!encodings.isEmpty() && !onlyChunked(encodings)) {
      upstream.reset();
      ErrorResponses.send(response, 502, "The upstream's response cannot be relayed");
      return;
    }
    response.setStatusCode(answer.statusCode());
    // A custom reason phrase is relayed; the standard one comes with the status code, without building a status.
    String reason = answer.statusMessage();
    if (reason != null && !reason.equals(HttpResponseStatus.valueOf(answer.statusCode()).reasonPhrase())) {
      response.setStatusMessage(reason);
    }
    headers.toClient(answer.headers(), response.headers());
    if (answer.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
      if (request.version() == HttpVersion.HTTP_1_0) {
        // Without chunked encoding, a HTTP/1.0 client learns the length only from a buffered body.
        answer.body().onComplete(read -> {
          if (read.succeeded()) {
            response.end(read.result());
          } else {
            response.reset();
          }
        });
        return;
      }
      response.setChunked(true);
    }
    answer.pipe().endOnFailure(false).to(response).onFailure(failure -> {
      upstream.reset();
      response.reset();
    });
  }

  /** Hands the client's connection to the upstream once the upstream accepted the upgrade; raw bytes from then on. */
  private void upgrade(HttpServerRequest request, HttpClientRequest upstream) {
    upstream.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).set(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
    upstream.connect().onComplete(connected -> {
      if (connected.failed()) {
        failed(request, null, connected.cause());
        return;
      }
      HttpClientResponse answer = connected.result();
      HttpServerResponse response = request.response();
      if (answer.statusCode() != 101) {
        response.setStatusCode(answer.statusCode()).putHeader(HttpHeaders.CONTENT_LENGTH, "0").end();
        return;
      }
      response.setStatusCode(101);
      headers.toClient(answer.headers(), response.headers());
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).set(HttpHeaders.UPGRADE, answer.getHeader(HttpHeaders.UPGRADE));
      NetSocket upstreamSocket = answer.netSocket();
      request.toNetSocket().onComplete(accepted -> {
        if (accepted.failed()) {
          upstreamSocket.close();
          return;
        }
        NetSocket clientSocket = accepted.result();
        clientSocket.pipeTo(upstreamSocket);
        upstreamSocket.pipeTo(clientSocket);
      });
    });
  }

  private void failed(HttpServerRequest request, Pipe<Buffer> body, Throwable failure) {
    if (body != null) {
      // Lets the rest of the client's body be read and dropped, so its connection can carry the next request.
      body.close();
    }
    if (request.response().closed()) {
      // The client gave up first: nobody to answer, and no upstream failure to report.
      LOG.debug("route {}: the client left before the upstream answered", routeId);
      return;
    }
    boolean timedOut = failure instanceof TimeoutException || failure instanceof ConnectTimeoutException;
    int status = timedOut ? 504 : 502;
    LOG.debug("route {}: upstream failed ({}), answering {}", routeId, failure.toString(), status);
    ErrorResponses.send(request.response(), status,
      timedOut ? "The upstream service did not answer in time" : "The upstream service is unavailable");
  }

  /** Chunked is the only transfer coding relayed; anything else could be framed differently on the next hop. */
  private static boolean onlyChunked(List<String> encodings) {
    for (String encoding : encodings) {
      if (!encoding.equals("chunked")) {
        return false;
      }
    }
    return true;
  }
}
