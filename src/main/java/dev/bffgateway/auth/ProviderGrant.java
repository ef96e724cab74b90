package dev.bffgateway.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;

/**
 * What an OpenID provider issued for one sign-in, kept server-side with the refresh family: never sent to the
 * browser. The access and refresh tokens are kept only while a route relays them.
 *
 * @param expiresAt epoch milliseconds when the access token expires; 0 when unknown or not kept
 */
record ProviderGrant(String provider, String accessToken, String refreshToken, String idToken, long expiresAt) {

  /** From the token endpoint's answer; a refresh that brings no new refresh or ID token keeps the earlier ones. */
  static ProviderGrant of(String provider, User user, ProviderGrant before, long now, boolean keepTokens) {
    JsonObject answer = user.principal();
    String refreshToken = answer.getString("refresh_token", before == null ? null : before.refreshToken());
    String idToken = answer.getString("id_token", before == null ? null : before.idToken());
    if (!keepTokens) {
      return new ProviderGrant(provider, null, null, idToken, 0);
    }
    Number expiresIn = answer.getValue("expires_in") instanceof Number seconds ? seconds : null;
    long expiresAt = expiresIn == null ? 0 : now + expiresIn.longValue() * 1000;
    return new ProviderGrant(provider, answer.getString("access_token"), refreshToken, idToken, expiresAt);
  }

  /** Unknown expiry counts as expiring, so that a relay refreshes rather than send a token it cannot date. */
  boolean expiresWithin(long now, long marginMillis) {
    return expiresAt <= now + marginMillis;
  }

  JsonObject toJson() {
    return new JsonObject().put("provider", provider).put("accessToken", accessToken).put("refreshToken", refreshToken)
      .put("idToken", idToken).put("expiresAt", expiresAt);
  }

  static ProviderGrant fromJson(JsonObject json) {
    return new ProviderGrant(json.getString("provider"), json.getString("accessToken"), json.getString("refreshToken"),
      json.getString("idToken"), json.getLong("expiresAt", 0L));
  }
}
