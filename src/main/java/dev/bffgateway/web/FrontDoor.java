package dev.bffgateway.web;

import dev.bffgateway.ops.AccessLog;
import dev.bffgateway.proxy.PathNormalizer;
import dev.bffgateway.proxy.RouteTable;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * The first handler of every request: refuses what {@link RequestGuard} refuses, gives it an id, answers CORS preflights, normalises its path, and hands
 * it to the longest
 * matching target. Matching costs the same for 10 routes as for 10,000 (a segment trie, not a scan).
 */
public final class FrontDoor implements Handler<HttpServerRequest> {
  private final RouteTable<Target> targets;
  private final Cors cors;
  private final AccessLog accessLog;
  /** The Strict-Transport-Security value for https responses, or null. */
  private final String hsts;

  public FrontDoor(RouteTable<Target> targets, Cors cors, AccessLog accessLog, long hstsMaxAgeSeconds) {
    this.targets = targets;
    this.cors = cors;
    this.accessLog = accessLog;
    this.hsts = hstsMaxAgeSeconds > 0 ? "max-age=" + hstsMaxAgeSeconds : null;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (RequestGuard.refused(request)) {
      return;
    }
    RequestIds.assign(request);
    Exchange exchange = new Exchange();
    request.response().endHandler(ended -> accessLog.completed(request, exchange));
    if (hsts != null && request.isSSL()) {
      request.response().putHeader("strict-transport-security", hsts);
    }
    if (cors.handle(request)) {
      return;
    }
    String path = PathNormalizer.normalize(request.path());
    if (path == null) {
      ErrorResponses.send(request.response(), 400, "The request path is not valid");
      return;
    }
    Target target = targets.match(path);
    if (target == null) {
      ErrorResponses.send(request.response(), 404, "No route matches " + path);
      return;
    }
    exchange.path = path;
    exchange.routeId = target.id();
    exchange.meters = target.meters();
    try {
      target.handler().handle(request, exchange);
    } catch (RuntimeException fault) {
      // Otherwise Vert.x only logs it, and the client waits for an answer that never comes.
      request.resume();
      ErrorResponses.fault(request.response(), fault);
    }
  }
}
