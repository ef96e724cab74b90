package dev.bffgateway.edge;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Shapes the response toward the client: the route's header rules ({@link UpstreamHeaders#toClient}), and the
 * gateway's cookies stay the gateway's. An upstream's {@code Set-Cookie} for one of their names (as configured, with
 * or without a {@code __Host-}/{@code __Secure-} prefix) is dropped: relayed, it would overwrite a rotated
 * refresh token, fix a session or log the user out. The first drop on a route is logged as a WARN, as it means a
 * backend that believes it owns those cookies.
 */
final class UpstreamResponse implements ProxyInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamResponse.class);

  private final String routeId;
  private final UpstreamHeaders headers;
  private final List<String> gatewayCookies;
  private boolean warned;

  UpstreamResponse(String routeId, UpstreamHeaders headers, GatewayCookies cookies) {
    this.routeId = routeId;
    this.headers = headers;
    this.gatewayCookies = cookies.names();
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    ProxyResponse response = context.response();
    if (response.proxiedResponse() != null) {
      headers.toClient(response.headers(), context.request().proxiedRequest().response().headers(), context.isWebSocket());
      dropGatewayCookies(response.headers());
    }
    return context.sendResponse();
  }

  private void dropGatewayCookies(MultiMap in) {
    List<String> cookies = in.getAll(HttpHeaders.SET_COOKIE);
    if (cookies.isEmpty()) {
      return;
    }
    boolean dropped = false;
    for (String cookie : cookies) {
      if (isGatewayCookie(cookie)) {
        dropped = true;
        break;
      }
    }
    if (!dropped) {
      return;
    }
    in.remove(HttpHeaders.SET_COOKIE);
    for (String cookie : cookies) {
      if (!isGatewayCookie(cookie)) {
        in.add(HttpHeaders.SET_COOKIE, cookie);
      }
    }
    if (!warned) {
      warned = true;
      LOG.warn("route {}: the upstream set one of the gateway's cookies ({}); dropped, and will be on this route without "
        + "another warning", routeId, String.join(", ", gatewayCookies));
    }
  }

  /** Whether a Set-Cookie value names a gateway cookie, with or without a cookie-name prefix. */
  private boolean isGatewayCookie(String setCookie) {
    CookiePairs pairs = new CookiePairs(setCookie);
    if (!pairs.next()) {
      return false;
    }
    for (String name : gatewayCookies) {
      String bare = unprefixed(name);
      if (pairs.nameIs(bare) || pairs.nameIs("__Host-" + bare) || pairs.nameIs("__Secure-" + bare)) {
        return true;
      }
    }
    return false;
  }

  private static String unprefixed(String name) {
    if (name.startsWith("__Host-")) {
      return name.substring(7);
    }
    return name.startsWith("__Secure-") ? name.substring(9) : name;
  }
}
