package dev.bffgateway.token;

import dev.bffgateway.config.TokensConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.List;

/**
 * Mints access tokens with the claims ServiceStack's JwtAuthProvider writes, so existing backends keep working:
 * {@code iss sub iat exp aud jti name preferred_username email roles perms}.
 */
public final class AccessTokenIssuer {
  /** A freshly signed access token and when it expires (seconds since the epoch). */
  public record Issued(String token, long expiresAt) {
    @Override
    public String toString() {
      return "Issued[exp=" + expiresAt + "]";
    }
  }

  private final TokenSigner signer;
  private final String issuer;
  private final Object audience;
  private final long ttlSeconds;
  private final Clock clock;

  public AccessTokenIssuer(TokenSigner signer, TokensConfig config, Clock clock) {
    this.signer = signer;
    this.issuer = config.issuer();
    List<String> audience = config.audience();
    // One audience is a string, several an array, as RFC 7519 and ServiceStack write them.
    this.audience = audience.isEmpty() ? null : audience.size() == 1 ? audience.get(0) : new JsonArray(audience);
    this.ttlSeconds = config.accessTokenTtlSeconds();
    this.clock = clock;
  }

  /** A token outside any refresh family (none is revoked with it). */
  public Issued issue(Identity identity) {
    return issue(identity, null);
  }

  /**
   * @param familyId the refresh family (device) the token was issued to, as the {@code sid} claim: logging that
   *                 device out then ends the token too, within the revocation window, not at its expiry
   */
  public Issued issue(Identity identity, String familyId) {
    long now = clock.millis() / 1000;
    long expiresAt = now + ttlSeconds;
    JsonObject claims = new JsonObject()
      .put("iss", issuer)
      .put("sub", identity.userId())
      .put("iat", now)
      .put("exp", expiresAt);
    if (audience != null) {
      claims.put("aud", audience instanceof JsonArray array ? array.copy() : audience);
    }
    claims.put("jti", OpaqueTokens.generate())
      .put("name", identity.displayName())
      .put("preferred_username", identity.userName());
    if (identity.email() != null) {
      claims.put("email", identity.email());
    }
    claims.put("roles", new JsonArray(identity.roles())).put("perms", new JsonArray(identity.permissions()));
    if (familyId != null) {
      claims.put("sid", familyId);
    }
    return new Issued(signer.sign(claims), expiresAt);
  }
}
