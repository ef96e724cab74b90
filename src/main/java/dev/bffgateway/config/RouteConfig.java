package dev.bffgateway.config;

import io.vertx.core.http.HttpMethod;

import java.util.List;
import java.util.Set;

/**
 * One proxied route.
 *
 * @param path      canonical path prefix, matched by whole segments
 * @param methods   allowed methods; empty allows every method
 * @param timeoutMs longest wait for the upstream's response to start, and longest silence while it streams
 * @param websocket whether WebSocket upgrades pass through
 * @param roles           every one must be in the user's token, else 403
 * @param permissions     likewise, from the token's {@code perms}
 * @param identityHeaders whether to send X-User-Id, X-User-Name and X-User-Roles to the upstream
 * @param upstreamToken   a token minted for this upstream instead of the browser's; null to forward the user's
 * @param relaysProviderToken {@code "upstreamToken": "idp"}: the access token of the OpenID provider the user signed
 *                        in with, kept and refreshed by the gateway, instead of any gateway token
 * @param pathParameters  whether request paths may carry {@code ;} parameters (RFC 3986 §3.3), which servlet
 *                        containers strip before routing; the route is then chosen on the path without them
 */
public record RouteConfig(String id, String path, Upstream upstream, boolean stripPrefix, Set<HttpMethod> methods,
                          int timeoutMs, AuthMode auth, boolean websocket, List<String> roles, List<String> permissions,
                          boolean identityHeaders, UpstreamToken upstreamToken, boolean relaysProviderToken,
                          boolean pathParameters) {

  /**
   * A short-lived token for one audience, so a backend only ever sees tokens meant for it.
   *
   * @param claims the claims of the user's token to carry over (iss, sub, aud, iat, exp and jti are always set)
   */
  public record UpstreamToken(String audience, int ttlSeconds, List<String> claims) {
  }

  public boolean allows(HttpMethod method) {
    return methods.isEmpty() || methods.contains(method);
  }
}
