package dev.bffgateway.proxy;

import dev.bffgateway.web.ErrorResponses;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeoutException;

/**
 * Turns an upstream that cannot be reached or does not answer into a JSON error: 504 when it timed out,
 * 502 when it refused or reset the connection. Outermost interceptor, so it sees every failure.
 */
final class UpstreamFailures implements ProxyInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamFailures.class);
  private static final MediaType JSON = MediaType.parse(ErrorResponses.JSON);

  private final String routeId;

  UpstreamFailures(String routeId) {
    this.routeId = routeId;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    return context.sendRequest().recover(failure -> {
      boolean timedOut = failure instanceof TimeoutException || failure instanceof ConnectTimeoutException;
      int status = timedOut ? 504 : 502;
      LOG.debug("route {}: upstream failed ({}), answering {}", routeId, failure.toString(), status);
      String message = timedOut ? "The upstream service did not answer in time" : "The upstream service is unavailable";
      ProxyResponse response = context.request().release().response()
        .setStatusCode(status)
        .setBody(Body.body(ErrorResponses.body(status, message), JSON));
      return Future.succeededFuture(response);
    });
  }
}
