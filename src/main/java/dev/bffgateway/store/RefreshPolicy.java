package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

/** The lifetime rules every backend applies the same way, and the clock they read. */
final class RefreshPolicy {
  /** How long a "log out everywhere" is remembered: longer than any access token lives (at most a day, plus leeway). */
  static final long REVOCATION_KEPT_MS = 2 * 86_400_000L;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final long ttlMillis;
  private final long maxLifetimeMillis;
  private final long graceMillis;
  private final Clock clock;

  RefreshPolicy(RefreshTokensConfig config, Clock clock) {
    this.ttlMillis = config.ttlSeconds() * 1000;
    this.maxLifetimeMillis = config.maxLifetimeSeconds() * 1000;
    this.graceMillis = config.graceSeconds() * 1000L;
    this.clock = clock;
  }

  long now() {
    return clock.millis();
  }

  long familyExpiry(long createdAt) {
    return createdAt + maxLifetimeMillis;
  }

  /** Sliding, but never past the family's absolute end. */
  long tokenExpiry(long issuedAt, long familyExpiresAt) {
    return Math.min(issuedAt + ttlMillis, familyExpiresAt);
  }

  long ttlMillis() {
    return ttlMillis;
  }

  long graceMillis() {
    return graceMillis;
  }

  boolean withinGrace(long rotatedAt, long now) {
    return now - rotatedAt <= graceMillis;
  }

  static String newFamilyId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
