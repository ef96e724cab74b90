package dev.bffgateway.auth;

import dev.bffgateway.store.RefreshTokenStore;
import dev.bffgateway.token.VerifiedToken;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Logout for access tokens. A token issued before its subject's revocation time ("log out everywhere") is
 * refused, and so is a token whose refresh family ({@code sid}: the device) was logged out or revoked. Both are
 * read from the store at most once per subject and per family every {@code tokens.revocationCheckSeconds} per
 * event loop, so a stolen access token stops working within seconds, and the hot path stays map lookups. When
 * the store cannot answer, the last known state (or none) is used: valid tokens keep working through an outage.
 */
public final class Revocations {
  private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);
  private static final int MAX_SUBJECTS = 100_000;

  private record Known(long revokedBefore, long checkedAt) {
  }

  private record KnownFamily(boolean alive, long checkedAt) {
  }

  private final RefreshTokenStore store;
  private final long maxAgeMillis;
  private final Clock clock;
  private final Map<String, Known> known = new HashMap<>();
  private final Map<String, KnownFamily> families = new HashMap<>();

  public Revocations(RefreshTokenStore store, int maxAgeSeconds, Clock clock) {
    this.store = store;
    this.maxAgeMillis = maxAgeSeconds * 1000L;
    this.clock = clock;
  }

  /** Whether the token was issued after its subject's last "log out everywhere", and its device is still signed in. */
  public Future<Boolean> stillValid(VerifiedToken token) {
    Object sid = token.claims().getValue("sid");
    Future<Boolean> subjectValid = subjectStillValid(token);
    return sid instanceof String familyId ? subjectValid.compose(valid -> valid ? familyAlive(familyId) : subjectValid) : subjectValid;
  }

  private Future<Boolean> familyAlive(String familyId) {
    long now = clock.millis();
    KnownFamily cached = families.get(familyId);
    if (cached != null && now - cached.checkedAt() < maxAgeMillis) {
      return Future.succeededFuture(cached.alive());
    }
    return store.useFamily(familyId)
      .map(family -> {
        if (families.size() >= MAX_SUBJECTS) {
          families.clear();
        }
        families.put(familyId, new KnownFamily(family != null, now));
        return family != null;
      })
      .otherwise(failure -> {
        LOG.warn("device check unavailable, using the last known state: {}", failure.getMessage());
        return cached == null || cached.alive();
      });
  }

  private Future<Boolean> subjectStillValid(VerifiedToken token) {
    long now = clock.millis();
    Known cached = known.get(token.subject());
    if (cached != null && now - cached.checkedAt() < maxAgeMillis) {
      return Future.succeededFuture(issuedAfter(token, cached.revokedBefore()));
    }
    return store.revokedBefore(token.subject())
      .map(revokedBefore -> {
        if (known.size() >= MAX_SUBJECTS) {
          known.clear();
        }
        known.put(token.subject(), new Known(revokedBefore, now));
        return issuedAfter(token, revokedBefore);
      })
      .otherwise(failure -> {
        LOG.warn("revocation check unavailable, using the last known state: {}", failure.getMessage());
        return cached == null || issuedAfter(token, cached.revokedBefore());
      });
  }

  /** Forgets what this event loop knows of a subject, after revoking it here. */
  public void forget(String subject) {
    known.remove(subject);
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
