package dev.bffgateway.proxy;

import dev.bffgateway.auth.RequestAuthenticator.Authenticated;
import dev.bffgateway.config.AuthMode;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.web.CookiePairs;
import dev.bffgateway.web.GatewayCookies;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * What the upstream learns of the caller, set on the request before it is proxied: the verified token as
 * {@code Authorization: Bearer} (or a token minted for the upstream), optional identity headers, and never the
 * gateway's own cookies or identity headers the client made up.
 */
final class UpstreamIdentity {
  static final String USER_ID = "x-user-id";
  static final String USER_NAME = "x-user-name";
  static final String USER_ROLES = "x-user-roles";
  private static final List<String> IDENTITY_HEADERS = List.of(USER_ID, USER_NAME, USER_ROLES);

  private final RouteConfig route;
  private final List<String> gatewayCookies;

  UpstreamIdentity(RouteConfig route, GatewayCookies cookies) {
    this.route = route;
    this.gatewayCookies = List.of(cookies.accessTokenName(), cookies.refreshTokenName(), cookies.sessionName());
  }

  /** For auth: none routes: the client's Authorization passes untouched, the gateway's cookies do not. */
  void anonymous(HttpServerRequest request) {
    MultiMap headers = request.headers();
    IDENTITY_HEADERS.forEach(headers::remove);
    stripGatewayCookies(headers);
  }

  /** @param upstreamToken the token to send, or null for an anonymous request on an optional route */
  void apply(HttpServerRequest request, Authenticated caller, String upstreamToken) {
    MultiMap headers = request.headers();
    anonymous(request);
    if (route.auth() != AuthMode.NONE) {
      headers.remove("authorization");
    }
    if (upstreamToken == null) {
      return;
    }
    headers.set("authorization", "Bearer " + upstreamToken);
    if (route.identityHeaders()) {
      headers.set(USER_ID, caller.user().subject());
      String userName = caller.user().claims().getString("preferred_username");
      if (userName != null) {
        headers.set(USER_NAME, userName);
      }
      headers.set(USER_ROLES, String.join(",", caller.user().roles()));
    }
  }

  private void stripGatewayCookies(MultiMap headers) {
    List<String> values = headers.getAll("cookie");
    if (values.isEmpty()) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    boolean changed = false;
    for (String value : values) {
      CookiePairs pairs = new CookiePairs(value);
      while (pairs.next()) {
        if (isGatewayCookie(pairs)) {
          changed = true;
          continue;
        }
        if (!kept.isEmpty()) {
          kept.append("; ");
        }
        pairs.appendPair(kept);
      }
    }
    if (!changed && values.size() == 1) {
      return;
    }
    headers.remove("cookie");
    if (!kept.isEmpty()) {
      headers.set("cookie", kept.toString());
    }
  }

  private boolean isGatewayCookie(CookiePairs pair) {
    for (String name : gatewayCookies) {
      if (pair.nameIs(name)) {
        return true;
      }
    }
    return false;
  }
}
