package dev.bffgateway.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;

/**
 * What an OpenID provider issued for one sign-in, kept server-side with the refresh family: never sent to the
 * browser. The access and refresh tokens are kept only while a route relays them.
 *
 * @param providerSession the provider's session ({@code {provider}|{sid}}) of the sign-in, or null
 * @param expiresAt       epoch milliseconds when the access token expires; 0 when no access token is kept
 */
public record ProviderGrant(String provider, String providerSession, String accessToken, String refreshToken, String idToken,
                     long expiresAt) {
  /** How long an access token is taken to live when the provider does not say (expires_in is only recommended). */
  static final long DEFAULT_LIFETIME_MILLIS = 60_000;

  /** From the token endpoint's answer; a refresh that brings no new refresh or ID token keeps the earlier ones. */
  public static ProviderGrant of(String provider, String providerSession, User user, ProviderGrant before, long now, boolean keepTokens) {
    JsonObject answer = user.principal();
    String refreshToken = answer.getString("refresh_token", before == null ? null : before.refreshToken());
    String idToken = answer.getString("id_token", before == null ? null : before.idToken());
    if (!keepTokens) {
      return new ProviderGrant(provider, providerSession, null, null, idToken, 0);
    }
    long lifetime = answer.getValue("expires_in") instanceof Number seconds ? seconds.longValue() * 1000 : DEFAULT_LIFETIME_MILLIS;
    return new ProviderGrant(provider, providerSession, answer.getString("access_token"), refreshToken, idToken, now + lifetime);
  }

  /** The provider ended the grant: only the ID token stays, for a logout at the provider. */
  ProviderGrant withoutTokens() {
    return new ProviderGrant(provider, providerSession, null, null, idToken, 0);
  }

  boolean expiresWithin(long now, long marginMillis) {
    return expiresAt <= now + marginMillis;
  }

  JsonObject toJson() {
    return new JsonObject().put("provider", provider).put("providerSession", providerSession).put("accessToken", accessToken)
      .put("refreshToken", refreshToken).put("idToken", idToken).put("expiresAt", expiresAt);
  }

  static ProviderGrant fromJson(JsonObject json) {
    return new ProviderGrant(json.getString("provider"), json.getString("providerSession"), json.getString("accessToken"),
      json.getString("refreshToken"), json.getString("idToken"), json.getLong("expiresAt", 0L));
  }
}
