package dev.bffgateway.proxy;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import java.util.concurrent.TimeUnit;

/** The upstream's latency: from sending the request to its response head. Innermost, so it times nothing else. */
final class UpstreamTiming implements ProxyInterceptor {
  private final Timer timer;

  UpstreamTiming(Timer timer) {
    this.timer = timer;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    long start = System.nanoTime();
    return context.sendRequest().onSuccess(response -> timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }
}
