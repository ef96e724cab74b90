package dev.bffgateway.edge;

import dev.bffgateway.ops.Metrics;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What the client gets when the upstream fails it: a ServiceStack-shaped JSON 502 (refused, reset, a response that
 * cannot be relayed) or 504 (no answer within the route's timeout), where HttpProxy would answer an empty 502. An
 * idempotent request without a body (RFC 9110 §9.2.2) that was lost unanswered on a reused keep-alive connection
 * (the upstream closed it as idle just as the request went out) is sent once more on another connection, as nginx
 * and Go's client do. The route's timeout bounds the exchange ({@link UpstreamDeadlines}). Also times the upstream's
 * answer for the route's meters.
 */
final class UpstreamFailures implements ProxyInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamFailures.class);
  private static final MediaType JSON = MediaType.parse(ErrorResponses.JSON);
  private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
    HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

  static final String WATCH = "bff.watch";

  private final String routeId;
  private final UpstreamDeadlines deadlines;
  private final int timeoutMs;
  private final Metrics.RouteMeters meters;
  private final Function<ProxyContext, Future<HttpClientRequest>> upstream;

  UpstreamFailures(String routeId, UpstreamDeadlines deadlines, int timeoutMs, Metrics.RouteMeters meters,
                   Function<ProxyContext, Future<HttpClientRequest>> upstream) {
    this.routeId = routeId;
    this.deadlines = deadlines;
    this.timeoutMs = timeoutMs;
    this.meters = meters;
    this.upstream = upstream;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    long start = System.nanoTime();
    UpstreamDeadlines.Watch watch = deadlines.watch(timeoutMs, () -> timedOut(context));
    context.set(WATCH, watch);
    return context.sendRequest().transform(sent -> {
      if (sent.succeeded()) {
        return Future.succeededFuture(answered(context, sent.result(), start));
      }
      if (!sendAgain(context, sent.cause())) {
        return Future.succeededFuture(failed(context, sent.cause()));
      }
      watch.touch();
      return resend(context).transform(resent -> Future.succeededFuture(resent.succeeded()
        ? answered(context, resent.result(), start) : failed(context, resent.cause())));
    });
  }

  /**
   * The route's timeout, from sending the request to the end of the response's body: it bounds the wait for the
   * head and any silence while the body streams. A WebSocket's deadline ends with its handshake.
   */
  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    ProxyResponse response = context.response();
    UpstreamDeadlines.Watch watch = context.get(WATCH, UpstreamDeadlines.Watch.class);
    Body body = response.getBody();
    if (response.proxiedResponse() != null && body != null && !context.isWebSocket()) {
      watch.touch();
      response.setBody(Body.body(new WatchedBody(body.stream(), watch), body.length(), body.mediaType()));
    } else {
      watch.end();
    }
    return context.sendResponse();
  }

  /** Resets the upstream request, which fails its response (a 504) or the body being relayed (the client's is cut). */
  private void timedOut(ProxyContext context) {
    HttpClientRequest request = context.get(RouteProxy.UPSTREAM_REQUEST, HttpClientRequest.class);
    if (request != null) {
      LOG.debug("route {}: the upstream was silent for {} ms", routeId, timeoutMs);
      request.reset(0, new TimeoutException("The upstream was silent for " + timeoutMs + " ms"));
    }
  }

  private ProxyResponse answered(ProxyContext context, ProxyResponse response, long start) {
    if (response.proxiedResponse() == null) {
      return response;
    }
    meters.upstreamAnswered(System.nanoTime() - start);
    if (!onlyChunked(response.headers().getAll(HttpHeaders.TRANSFER_ENCODING))) {
      context.get(WATCH, UpstreamDeadlines.Watch.class).end();
      // Any other coding could be framed differently by the next hop; HttpProxy would answer an empty 501.
      response.proxiedResponse().request().reset();
      response.release();
      return answer(context, 502, "The upstream's response cannot be relayed");
    }
    return response;
  }

  private boolean sendAgain(ProxyContext context, Throwable failure) {
    ProxyRequest request = context.request();
    return failure instanceof HttpClosedException && request.getBody() == null
      && IDEMPOTENT.contains(request.getMethod()) && Boolean.TRUE.equals(context.get(UpstreamConnections.REUSED, Boolean.class))
      && !request.proxiedRequest().response().closed();
  }

  /** On another connection; a new connection lost too is the upstream's answer, so this happens once at most. */
  private Future<ProxyResponse> resend(ProxyContext context) {
    LOG.debug("route {}: a reused upstream connection was lost before any answer, sending the request again", routeId);
    meters.upstreamResent();
    return upstream.apply(context).compose(request -> context.request().send(request));
  }

  private ProxyResponse failed(ProxyContext context, Throwable failure) {
    context.get(WATCH, UpstreamDeadlines.Watch.class).end();
    if (context.request().proxiedRequest().response().closed()) {
      // The client gave up first: nobody to answer, and no upstream failure to report.
      LOG.debug("route {}: the client left before the upstream answered", routeId);
      return context.request().release().response();
    }
    boolean timedOut = isTimeout(failure);
    int status = timedOut ? 504 : 502;
    LOG.debug("route {}: upstream failed ({}), answering {}", routeId, failure.toString(), status);
    return answer(context, status, timedOut ? "The upstream service did not answer in time" : "The upstream service is unavailable");
  }

  /** The gateway's own answer in place of the upstream's; what is left of the client's body is read and dropped. */
  private static ProxyResponse answer(ProxyContext context, int status, String message) {
    return context.request().release().response()
      .setStatusCode(status)
      .putHeader(ErrorResponses.NOSNIFF, "nosniff")
      .setBody(Body.body(ErrorResponses.body(status, message), JSON));
  }

  /** A connect timeout, or the route's timeout (a reset whose cause is one, see {@link #timedOut}). */
  private static boolean isTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException || cause instanceof ConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** Chunked is the only transfer coding relayed. */
  static boolean onlyChunked(List<String> encodings) {
    for (String encoding : encodings) {
      if (!encoding.equals("chunked")) {
        return false;
      }
    }
    return true;
  }
}
