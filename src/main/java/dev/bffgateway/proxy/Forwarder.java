package dev.bffgateway.proxy;

import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.web.ErrorResponses;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.token.VerifiedToken;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.Pipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Streams a route's requests to its upstream over the event loop's pooled connections, and the responses back:
 * bodies are streamed with back-pressure both ways, never buffered, and the header rules are applied while
 * copying. A plain-http upstream is reached over {@link UpstreamPools}, Netty's HTTP codec without Vert.x's
 * client on top ({@link PooledExchange}); an https upstream, and a WebSocket upgrade, over Vert.x's HTTP client.
 * Neither goes through vertx-http-proxy's HttpProxy, which copied every header map twice, parsed and reformatted
 * dates and cache headers, and built a chain of futures per request: about a third of the gateway's time per
 * request.
 * <p>The route's timeout bounds both the wait for the response to start and any silence while it streams, so a
 * slow upstream becomes a 504 while a long download that keeps moving is never cut. An upstream that refuses or
 * resets the connection is a 502, but for an idempotent request it dropped on a reused connection, which is sent
 * again (see {@link PooledExchange#upstreamFailed}).
 */
final class Forwarder {
  private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
  private static final String UNRELAYABLE = "The upstream's response cannot be relayed";
  private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
    HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

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
  /** The plain-http upstream's pool; null for an https upstream. */
  private final UpstreamPools.Pool pool;
  private final String hostHeader;

  Forwarder(RouteConfig route, ProxyConfig proxy, HttpClient client, UpstreamPools pools, UpstreamHeaders headers,
            Metrics.RouteMeters meters) {
    this.routeId = route.id();
    this.client = client;
    this.host = route.upstream().host();
    this.port = route.upstream().port();
    this.tls = route.upstream().tls();
    this.connectTimeoutMs = Math.min(proxy.connectTimeoutMs(), route.timeoutMs());
    this.timeoutMs = route.timeoutMs();
    this.websocket = route.websocket();
    this.path = new UpstreamPath(route);
    this.headers = headers;
    this.meters = meters;
    this.pool = tls ? null : pools.pool(host, port);
    String authority = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
    this.hostHeader = port == 80 ? authority : authority + ':' + port;
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

  /**
   * @param normalizedPath the request's path as the front door normalised it for matching
   * @param user           the caller, or null for an anonymous request
   * @param token          the token the upstream gets as {@code Authorization: Bearer}, or null
   */
  void forward(HttpServerRequest request, String normalizedPath, VerifiedToken user, String token) {
    boolean chunked = request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    if (chunked && !onlyChunked(request.headers().getAll(HttpHeaders.TRANSFER_ENCODING))) {
      ErrorResponses.send(request.response(), 400, "The request's Transfer-Encoding is not supported");
      return;
    }
    // First, so that a header which cannot be sent fails before anything is paused or opened.
    HeadersMultiMap out = HeadersMultiMap.httpHeaders();
    headers.toUpstream(request, out, user, token);
    boolean upgrade = websocket && request.canUpgradeToWebSocket();
    if (pool != null && !upgrade) {
      sendPooled(request, normalizedPath, chunked, out);
      return;
    }
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
      upstream.headers().addAll(out);
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
      continueIfExpected(request);
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
    if (!relayable(answer.headers())) {
      upstream.reset();
      ErrorResponses.send(response, 502, UNRELAYABLE);
      return;
    }
    if (relayHead(request, answer.statusCode(), answer.statusMessage(), answer.headers())) {
      answer.body().onComplete(read -> {
        if (read.succeeded()) {
          response.end(read.result());
        } else {
          response.reset();
        }
      });
      return;
    }
    answer.pipe().endOnFailure(false).to(response).onFailure(failure -> {
      upstream.reset();
      response.reset();
    });
  }

  /** Whether the response's body can be relayed: only chunked, of the transfer codings (see {@link #onlyChunked}). */
  private static boolean relayable(MultiMap answer) {
    List<String> encodings = answer.getAll(HttpHeaders.TRANSFER_ENCODING);
    return encodings.isEmpty() || onlyChunked(encodings);
  }

  /**
   * Relays the upstream's status and headers to the client's response.
   * @return whether the body must be held and sent whole: a HTTP/1.0 client learns the length of a body without
   *     Content-Length only that way, having no chunked encoding
   */
  private boolean relayHead(HttpServerRequest request, int status, String reason, MultiMap answer) {
    HttpServerResponse response = request.response();
    response.setStatusCode(status);
    // A custom reason phrase is relayed; the standard one comes with the status code, without building a status.
    if (reason != null && !reason.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      response.setStatusMessage(reason);
    }
    headers.toClient(answer, response.headers());
    if (answer.contains(HttpHeaders.CONTENT_LENGTH)) {
      return false;
    }
    if (request.version() == HttpVersion.HTTP_1_0) {
      return true;
    }
    response.setChunked(true);
    return false;
  }

  /** Sends the request over a pooled connection of the plain-http upstream; the {@link PooledExchange} does the rest. */
  private void sendPooled(HttpServerRequest request, String normalizedPath, boolean chunked, HeadersMultiMap out) {
    boolean body = carriesBody(request);
    if (body) {
      // Held until the upstream connection can take it.
      request.pause();
    }
    long start = System.nanoTime();
    out.set(HttpHeaders.HOST, hostHeader);
    if (chunked) {
      out.set(HttpHeaders.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    DefaultHttpRequest head = new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
      io.netty.handler.codec.http.HttpMethod.valueOf(request.method().name()),
      path.upstreamUri(normalizedPath, request.query()), out);
    exchange(request, head, body, start);
  }

  /** Takes a pooled connection, or waits for one, and sends the request over it. */
  private void exchange(HttpServerRequest request, DefaultHttpRequest head, boolean body, long start) {
    pool.acquire(connectTimeoutMs).onComplete(acquired -> {
      if (acquired.failed()) {
        if (body) {
          dropBody(request);
        }
        failed(request, null, acquired.cause());
      } else {
        new PooledExchange(request, acquired.result(), head, body, start).send();
      }
    });
  }

  /**
   * RFC 9110 §10.1.1: a client that sent {@code Expect: 100-continue} holds its body back until it gets
   * {@code 100 Continue}, or tires of waiting (curl after a second; .NET's HttpWebRequest, which sends the header on
   * every POST by default, after 350 ms). Called once the upstream can take the body, so a request the gateway
   * refuses first gets its answer without the body being sent. The gateway's own endpoints get this from vertx-web's
   * BodyHandler; the upstream never sees the header (UpstreamHeaders).
   */
  private static void continueIfExpected(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_0 && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
  }

  /** Lets the rest of the client's body be read and dropped, so its connection can carry the next request. */
  private static void dropBody(HttpServerRequest request) {
    request.handler(null).endHandler(null).resume();
  }

  /**
   * One exchange over a pooled upstream connection that carries nothing else meanwhile. The route's timeout bounds
   * the wait for the response to start and any silence while either body streams. The connection goes back to
   * the pool only when both messages were complete and the upstream kept it alive; otherwise it is closed.
   */
  final class PooledExchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final UpstreamConnection connection;
    private final Channel channel;
    private final DefaultHttpRequest requestHead;
    private final boolean body;
    private final long start;
    private long lastActivity;
    private ScheduledFuture<?> timer;
    /** The upstream's response head was relayed to the client. */
    private boolean answered;
    /** Skipping a 1xx response: the client gets the final one only. */
    private boolean informational;
    /** Something of the response arrived. */
    private boolean heard;
    private boolean requestSent;
    private boolean keepAlive;
    /** A HTTP/1.0 client's body, held until its length is known; null otherwise. */
    private Buffer held;
    /** The exchange ended: finished, failed, timed out or abandoned. */
    private boolean over;

    private PooledExchange(HttpServerRequest request, UpstreamConnection connection, DefaultHttpRequest head,
                           boolean body, long start) {
      this.request = request;
      this.response = request.response();
      this.connection = connection;
      this.channel = connection.channel();
      this.requestHead = head;
      this.body = body;
      this.start = start;
    }

    private void send() {
      lastActivity = System.nanoTime();
      timer = channel.eventLoop().schedule(this::checkTimeout, timeoutMs, TimeUnit.MILLISECONDS);
      connection.carry(this);
      // The client went away: end the upstream exchange too, rather than finish it for nobody.
      response.exceptionHandler(gone -> end(false));
      channel.write(requestHead);
      if (!body) {
        requestSent = true;
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return;
      }
      request.handler(chunk -> {
        lastActivity = System.nanoTime();
        channel.writeAndFlush(new DefaultHttpContent(((BufferInternal) chunk).getByteBuf()));
        if (!channel.isWritable()) {
          request.pause();
        }
      });
      request.exceptionHandler(broken -> end(false));
      request.endHandler(ended -> {
        if (!over) {
          requestSent = true;
          channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
      });
      continueIfExpected(request);
      request.resume();
    }

    void upstreamWritable() {
      if (!over && !requestSent) {
        request.resume();
      }
    }

    void upstreamRead(Object message) {
      if (over) {
        ReferenceCountUtil.release(message);
        return;
      }
      if (message instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
        ReferenceCountUtil.release(message);
        end(false);
        answerFailure(new IllegalStateException("The upstream's response could not be decoded"));
        return;
      }
      heard = true;
      lastActivity = System.nanoTime();
      if (message instanceof HttpResponse head) {
        informational = head.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (!informational) {
          relayHead(head);
        }
      }
      if (message instanceof HttpContent content) {
        relayContent(content);
      }
    }

    private void relayHead(HttpResponse head) {
      // lastActivity is the moment this head arrived.
      meters.upstreamAnswered(lastActivity - start);
      MultiMap answer = new HeadersAdaptor(head.headers());
      if (!relayable(answer)) {
        end(false);
        ErrorResponses.send(response, 502, UNRELAYABLE);
        return;
      }
      answered = true;
      keepAlive = HttpUtil.isKeepAlive(head);
      if (Forwarder.this.relayHead(request, head.status().code(), head.status().reasonPhrase(), answer)) {
        held = Buffer.buffer();
      }
    }

    private void relayContent(HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (informational || over) {
        content.release();
        informational &= !last;
        return;
      }
      if (content.content().isReadable()) {
        // Copied out of the connection's pooled buffer, which is released.
        Buffer chunk = BufferInternal.safeBuffer(content.content());
        if (held != null) {
          held.appendBuffer(chunk);
        } else {
          response.write(chunk);
        }
      } else {
        content.release();
      }
      if (last) {
        if (held != null) {
          response.end(held);
        } else {
          response.end();
        }
        end(keepAlive && requestSent);
      } else if (response.writeQueueFull()) {
        channel.config().setAutoRead(false);
        response.drainHandler(drained -> channel.config().setAutoRead(true));
      }
    }

    /** The connection failed or closed under the exchange. */
    void upstreamFailed(Throwable cause) {
      if (!stop()) {
        return;
      }
      if (sendAgain()) {
        LOG.debug("route {}: a reused upstream connection was lost before any answer ({}), sending the request again",
          routeId, cause.toString());
        meters.upstreamResent();
        exchange(request, requestHead, false, start);
        return;
      }
      answerFailure(cause);
    }

    /**
     * An upstream may close an idle keep-alive connection just as a request goes out on it, and the request is then
     * lost unanswered. One that is idempotent (RFC 9110 §9.2.2) and has no body to replay is sent again, on another
     * connection, as nginx and Go's HTTP client do. A connection carrying its first exchange is not stale: losing it is
     * the upstream's answer, so this ends after at most one attempt per stale connection.
     */
    private boolean sendAgain() {
      return !heard && !body && connection.carriedBefore() && IDEMPOTENT.contains(request.method())
        && !response.closed();
    }

    /** The route's timeout, checked against the last sign of life of either message. */
    private void checkTimeout() {
      if (over) {
        return;
      }
      long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivity);
      if (silentMs < timeoutMs) {
        timer = channel.eventLoop().schedule(this::checkTimeout, timeoutMs - silentMs, TimeUnit.MILLISECONDS);
        return;
      }
      end(false);
      answerFailure(new TimeoutException("The upstream did not answer within " + timeoutMs + " ms"));
    }

    /** Ends the exchange once, handing the connection back to its pool or closing it. */
    private void end(boolean reusable) {
      if (stop()) {
        channel.config().setAutoRead(true);
        connection.finish(reusable);
      }
    }

    /**
     * Marks the exchange over, once: its timer stops, and the rest of a request body the upstream did not wait
     * for is dropped. Returns false when it was over already.
     */
    private boolean stop() {
      if (over) {
        return false;
      }
      over = true;
      timer.cancel(false);
      if (!requestSent) {
        dropBody(request);
      }
      return true;
    }

    /** A client whose response has started loses its connection; any other gets 502 or 504. */
    private void answerFailure(Throwable cause) {
      if (answered) {
        response.reset();
      } else {
        failed(request, null, cause);
      }
    }
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
