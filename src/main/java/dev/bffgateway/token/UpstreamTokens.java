package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Mints short-lived tokens for one upstream's audience from the user's verified token, signed with the gateway's
 * key (so the upstream verifies them through the JWKS), and reuses each until a quarter of its life is left.
 * One per event loop: no locks.
 */
public final class UpstreamTokens {
  private static final int MAX_ENTRIES = 10_000;
  private static final int MIN_LIFETIME_SECONDS = 5;

  private record Minted(String token, long expiresAt) {
  }

  private final TokenSigner signer;
  private final String issuer;
  private final Clock clock;
  private final Map<String, Minted> minted = new HashMap<>();

  UpstreamTokens(TokenSigner signer, String issuer, Clock clock) {
    this.signer = signer;
    this.issuer = issuer;
    this.clock = clock;
  }

  public String tokenFor(VerifiedToken user, String audience, int ttlSeconds, List<String> claims) {
    long now = clock.millis() / 1000;
    String key = user.subject() + '\n' + audience + '\n' + ttlSeconds + '\n' + claims + '\n' + user.expiresAt();
    Minted cached = minted.get(key);
    if (cached != null && cached.expiresAt() - now > ttlSeconds / 4) {
      return cached.token();
    }
    JsonObject payload = new JsonObject();
    for (String claim : claims) {
      Object value = user.claims().getValue(claim);
      if (value != null) {
        payload.put(claim, value);
      }
    }
    // Never outlive the user's own token, so a logged-out user's minted tokens die with it; but a user token in
    // its leeway still gets a few seconds, enough for this request.
    long expiresAt = Math.max(Math.min(now + ttlSeconds, user.expiresAt()), now + MIN_LIFETIME_SECONDS);
    payload.put("iss", issuer).put("sub", user.subject()).put("aud", audience).put("iat", now).put("exp", expiresAt)
      .put("jti", OpaqueTokens.generate());
    String token = signer.sign(payload);
    if (minted.size() >= MAX_ENTRIES) {
      evictExpired(now);
    }
    if (minted.size() < MAX_ENTRIES) {
      minted.put(key, new Minted(token, expiresAt));
    }
    return token;
  }

  private void evictExpired(long now) {
    for (Iterator<Minted> it = minted.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAt() - now <= 0) {
        it.remove();
      }
    }
  }
}
