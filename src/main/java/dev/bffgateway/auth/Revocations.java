package dev.bffgateway.auth;

import dev.bffgateway.store.RefreshTokenStore;
import dev.bffgateway.token.VerifiedToken;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Logout for access tokens. A token issued before its subject's revocation time ("log out everywhere") is
 * refused, and so is a token whose refresh family ({@code sid}: the device) was logged out or revoked. Both are
 * read from the store at most once per subject and per family every {@code tokens.revocationCheckSeconds} per
 * event loop, so a stolen access token stops working within seconds, and the hot path stays map lookups. When
 * the store cannot answer, the last known state (or none) is used: valid tokens keep working through an outage.
 */
public final class Revocations {
  private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);
  private static final int MAX_ENTRIES = 100_000;

  /** A store answer and when it was read. */
  private record Known<T>(T answer, long checkedAt) {
  }

  private final RefreshTokenStore store;
  private final long maxAgeMillis;
  private final Clock clock;
  /** Per subject: before when its tokens are invalid (epoch ms). */
  private final Map<String, Known<Long>> subjects = new HashMap<>();
  /** Per refresh family (device): whether it is still signed in. */
  private final Map<String, Known<Boolean>> families = new HashMap<>();

  public Revocations(RefreshTokenStore store, int maxAgeSeconds, Clock clock) {
    this.store = store;
    this.maxAgeMillis = maxAgeSeconds * 1000L;
    this.clock = clock;
  }

  /** Whether the token was issued after its subject's last "log out everywhere", and its device is still signed in. */
  public Future<Boolean> stillValid(VerifiedToken token) {
    Future<Boolean> subjectValid = checked(subjects, token.subject(), () -> store.revokedBefore(token.subject()), "revocation")
      .map(revokedBefore -> revokedBefore == null || issuedAfter(token, revokedBefore));
    if (!(token.claims().getValue("sid") instanceof String familyId)) {
      return subjectValid;
    }
    return subjectValid.compose(valid -> !valid ? subjectValid
      : checked(families, familyId, () -> store.useFamily(familyId).map(family -> family != null), "device")
        .map(alive -> alive == null || alive));
  }

  /**
   * The store's answer for key, read at most once per maxAge; when the store cannot answer, the last known
   * answer, or null when there is none.
   */
  private <T> Future<T> checked(Map<String, Known<T>> cache, String key, Supplier<Future<T>> ask, String what) {
    long now = clock.millis();
    Known<T> cached = cache.get(key);
    if (cached != null && now - cached.checkedAt() < maxAgeMillis) {
      return Future.succeededFuture(cached.answer());
    }
    return ask.get()
      .map(answer -> {
        if (cache.size() >= MAX_ENTRIES) {
          cache.clear();
        }
        cache.put(key, new Known<>(answer, now));
        return answer;
      })
      .otherwise(failure -> {
        LOG.warn("{} check unavailable, using the last known state: {}", what, failure.getMessage());
        return cached == null ? null : cached.answer();
      });
  }

  /** Forgets what this event loop knows of a subject, after revoking it here. */
  public void forget(String subject) {
    subjects.remove(subject);
  }

  /** Forgets what this event loop knows of a device (refresh family), after ending it here. */
  public void forgetFamily(String familyId) {
    families.remove(familyId);
  }

  private static boolean issuedAfter(VerifiedToken token, long revokedBeforeMillis) {
    Object issuedAt = token.claims().getValue("iat");
    long iat = issuedAt instanceof Number number ? number.longValue() : 0;
    return iat >= revokedBeforeMillis / 1000;
  }
}
