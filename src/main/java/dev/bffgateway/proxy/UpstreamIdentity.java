package dev.bffgateway.proxy;

import dev.bffgateway.auth.RequestAuthenticator.Authenticated;
import dev.bffgateway.config.AuthMode;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.web.GatewayCookies;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.Set;

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
  private final Set<String> gatewayCookies;

  UpstreamIdentity(RouteConfig route, GatewayCookies cookies) {
    this.route = route;
    this.gatewayCookies = Set.of(cookies.accessTokenName(), cookies.refreshTokenName(), cookies.sessionName());
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
      for (String pair : value.split(";")) {
        String trimmed = pair.trim();
        int equals = trimmed.indexOf('=');
        String name = equals < 0 ? trimmed : trimmed.substring(0, equals);
        if (trimmed.isEmpty() || gatewayCookies.contains(name)) {
          changed = true;
          continue;
        }
        if (!kept.isEmpty()) {
          kept.append("; ");
        }
        kept.append(trimmed);
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
}
