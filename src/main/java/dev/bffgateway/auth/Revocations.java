package dev.bffgateway.auth;

import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.SubjectRevocationStore;
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
  private static final Future<Boolean> VALID = Future.succeededFuture(true);
  private static final Future<Boolean> INVALID = Future.succeededFuture(false);

  /** A store answer and when it was read. */
  private record Known<T>(T answer, long checkedAt) {
  }

  private final FamilyStore store;
  private final SubjectRevocationStore subjectRevocations;
  private final long maxAgeMillis;
  private final Clock clock;
  /** Per subject: before when its tokens are invalid (epoch ms). */
  private final Map<String, Known<Long>> subjects = new HashMap<>();
  /** Per refresh family (device): whether it is still signed in. */
  private final Map<String, Known<Boolean>> families = new HashMap<>();

  public Revocations(FamilyStore store, SubjectRevocationStore subjectRevocations, int maxAgeSeconds, Clock clock) {
    this.store = store;
    this.subjectRevocations = subjectRevocations;
    this.maxAgeMillis = maxAgeSeconds * 1000L;
    this.clock = clock;
  }

  /** Whether the token was issued after its subject's last "log out everywhere", and its device is still signed in. */
  public Future<Boolean> stillValid(VerifiedToken token) {
    long now = clock.millis();
    String familyId = token.claims().getValue("sid") instanceof String sid ? sid : null;
    Known<Long> subject = subjects.get(token.subject());
    Known<Boolean> family = familyId == null ? null : families.get(familyId);
    if (fresh(subject, now) && (familyId == null || fresh(family, now))) {
      // The hot path: both answers known and recent; no store call, no chain of futures.
      return issuedAfter(token, subject.answer()) && (family == null || alive(family.answer())) ? VALID : INVALID;
    }
    Future<Boolean> subjectValid = checked(subjects, token.subject(), () -> subjectRevocations.revokedBefore(token.subject()), "revocation")
      .map(revokedBefore -> issuedAfter(token, revokedBefore));
    if (familyId == null) {
      return subjectValid;
    }
    return subjectValid.compose(valid -> !valid ? subjectValid
      : checked(families, familyId, () -> store.useFamily(familyId).map(found -> found != null), "device").map(Revocations::alive));
  }

  /** An unknown device (the store never answered) counts as signed in: valid tokens keep working through an outage. */
  private static boolean alive(Boolean signedIn) {
    return signedIn == null || signedIn;
  }

  private boolean fresh(Known<?> known, long now) {
    return known != null && now - known.checkedAt() < maxAgeMillis;
  }

  /**
   * The store's answer for key, read at most once per maxAge; when the store cannot answer, the last known
   * answer, or null when there is none.
   */
  private <T> Future<T> checked(Map<String, Known<T>> cache, String key, Supplier<Future<T>> ask, String what) {
    long now = clock.millis();
    Known<T> cached = cache.get(key);
    if (fresh(cached, now)) {
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

  /** @param revokedBeforeMillis the subject's last "log out everywhere", or null when there was none */
  private static boolean issuedAfter(VerifiedToken token, Long revokedBeforeMillis) {
    if (revokedBeforeMillis == null) {
      return true;
    }
    Object issuedAt = token.claims().getValue("iat");
    long iat = issuedAt instanceof Number number ? number.longValue() : 0;
    return iat >= revokedBeforeMillis / 1000;
  }
}
