package dev.bffgateway.store;

import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.token.OpaqueTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The store in this process's memory: for tests and throwaway runs. Every method holds one lock briefly. */
final class MemoryRefreshTokenStore implements RefreshTokenStore {
  private static final long SESSION_REAPER_MILLIS = 60_000;
  private static final class Token {
    final String familyId;
    long expiresAt;
    long rotatedAt = -1;

    Token(String familyId, long expiresAt) {
      this.familyId = familyId;
      this.expiresAt = expiresAt;
    }
  }

  private static final class Family {
    final String subject;
    final JsonObject user;
    final String client;
    final long createdAt;
    final long expiresAt;
    long lastUsedAt;
    boolean revoked;
    JsonObject providerGrant;
    String providerSession;

    Family(String subject, JsonObject user, String client, long createdAt, long expiresAt) {
      this.subject = subject;
      this.user = user;
      this.client = client;
      this.createdAt = createdAt;
      this.expiresAt = expiresAt;
      this.lastUsedAt = createdAt;
    }
  }

  /** An owner's sign-in attempts: a count per counter, all in one window. */
  private record Attempts(long windowEndsAt, Map<String, Integer> counts) {
  }

  private final RefreshPolicy policy;
  private final Map<String, Token> tokens = new HashMap<>();
  private final Map<String, Family> families = new HashMap<>();
  private final Map<String, Set<String>> familiesBySubject = new HashMap<>();
  private final Map<String, Attempts> attempts = new HashMap<>();
  private final Map<String, Long> revokedBefore = new HashMap<>();
  private SessionStore sessions;

  MemoryRefreshTokenStore(RefreshPolicy policy) {
    this.policy = policy;
  }

  @Override
  public synchronized Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client) {
    long now = policy.now();
    String id = familyId == null ? RefreshPolicy.newFamilyId() : familyId;
    Family family = families.computeIfAbsent(id, key -> new Family(subject, user.copy(), client, now, policy.familyExpiry(now)));
    familiesBySubject.computeIfAbsent(subject, key -> new HashSet<>()).add(id);
    String token = OpaqueTokens.generate();
    long expiresAt = policy.tokenExpiry(now, family.expiresAt);
    tokens.put(OpaqueTokens.hash(token), new Token(id, expiresAt));
    return Future.succeededFuture(new IssuedRefreshToken(token, id, expiresAt));
  }

  @Override
  public synchronized Future<Rotation> rotate(String token) {
    return Future.succeededFuture(present(token, true));
  }

  @Override
  public synchronized Future<Rotation> keep(String token) {
    return Future.succeededFuture(present(token, false));
  }

  private Rotation present(String token, boolean rotate) {
    long now = policy.now();
    Token current = tokens.get(OpaqueTokens.hash(token));
    Family family = current == null ? null : families.get(current.familyId);
    if (family == null) {
      return Rotation.failed(Outcome.UNKNOWN);
    }
    if (family.revoked) {
      return Rotation.failed(Outcome.REVOKED);
    }
    if (now > current.expiresAt || now > family.expiresAt) {
      return Rotation.failed(Outcome.EXPIRED);
    }
    if (current.rotatedAt >= 0) {
      if (policy.withinGrace(current.rotatedAt, now)) {
        return Rotation.grace(record(current.familyId, family, current.expiresAt));
      }
      revoke(family);
      return Rotation.failed(Outcome.REUSED);
    }
    family.lastUsedAt = now;
    long expiresAt = policy.tokenExpiry(now, family.expiresAt);
    if (!rotate) {
      current.expiresAt = expiresAt;
      return Rotation.kept(record(current.familyId, family, expiresAt));
    }
    current.rotatedAt = now;
    String successor = OpaqueTokens.generate();
    tokens.put(OpaqueTokens.hash(successor), new Token(current.familyId, expiresAt));
    return Rotation.rotated(successor, record(current.familyId, family, expiresAt));
  }

  private static RefreshRecord record(String familyId, Family family, long expiresAt) {
    return new RefreshRecord(familyId, family.subject, family.user.copy(), expiresAt, family.expiresAt);
  }

  @Override
  public synchronized Future<Void> revokeFamily(String familyId) {
    revoke(families.get(familyId));
    return Future.succeededFuture();
  }

  private static void revoke(Family family) {
    if (family != null) {
      family.revoked = true;
      family.providerGrant = null;
    }
  }

  private Family live(String familyId) {
    Family family = families.get(familyId);
    return family == null || family.revoked || policy.now() > family.expiresAt ? null : family;
  }

  @Override
  public synchronized Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    Family family = live(familyId);
    if (family != null) {
      family.providerGrant = grant.copy();
      if (providerSession != null) {
        family.providerSession = providerSession;
      }
    }
    return Future.succeededFuture(family != null);
  }

  @Override
  public synchronized Future<JsonObject> providerGrant(String familyId) {
    Family family = live(familyId);
    return Future.succeededFuture(family == null || family.providerGrant == null ? null : family.providerGrant.copy());
  }

  @Override
  public synchronized Future<List<String>> familiesOfProviderSession(String providerSession) {
    List<String> ids = new ArrayList<>();
    families.forEach((id, family) -> {
      if (providerSession.equals(family.providerSession) && live(id) != null) {
        ids.add(id);
      }
    });
    return Future.succeededFuture(ids);
  }

  @Override
  public synchronized Future<Void> revokeFamilyOf(String token) {
    Token entry = tokens.get(OpaqueTokens.hash(token));
    return entry == null ? Future.succeededFuture() : revokeFamily(entry.familyId);
  }

  @Override
  public synchronized Future<Long> revokedBefore(String subject) {
    return Future.succeededFuture(revokedBefore.getOrDefault(subject, 0L));
  }

  @Override
  public synchronized Future<FamilyRef> familyOf(String token) {
    Token entry = tokens.get(OpaqueTokens.hash(token));
    Family family = entry == null ? null : families.get(entry.familyId);
    return Future.succeededFuture(family == null ? null : new FamilyRef(entry.familyId, family.subject));
  }

  @Override
  public synchronized Future<Void> revokeSubject(String subject) {
    revokedBefore.put(subject, policy.now());
    for (String id : familiesBySubject.getOrDefault(subject, Set.of())) {
      revoke(families.get(id));
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<FamilyInfo>> families(String subject) {
    long now = policy.now();
    List<FamilyInfo> active = new ArrayList<>();
    for (String id : familiesBySubject.getOrDefault(subject, Set.of())) {
      Family family = families.get(id);
      if (family != null && !family.revoked && now <= family.expiresAt) {
        active.add(new FamilyInfo(id, family.createdAt, family.lastUsedAt, family.client));
      }
    }
    active.sort(Comparator.comparingLong(FamilyInfo::createdAt).thenComparing(FamilyInfo::familyId));
    return Future.succeededFuture(active);
  }

  @Override
  public synchronized Future<RefreshRecord> useFamily(String familyId) {
    long now = policy.now();
    Family family = live(familyId);
    if (family == null) {
      return Future.succeededFuture(null);
    }
    family.lastUsedAt = now;
    return Future.succeededFuture(new RefreshRecord(familyId, family.subject, family.user, family.expiresAt, family.expiresAt));
  }

  @Override
  public synchronized Future<Integer> purgeExpired() {
    long now = policy.now();
    int purged = 0;
    for (Iterator<Token> it = tokens.values().iterator(); it.hasNext(); ) {
      if (now > it.next().expiresAt) {
        it.remove();
        purged++;
      }
    }
    for (Iterator<Map.Entry<String, Family>> it = families.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Family> entry = it.next();
      if (now > entry.getValue().expiresAt) {
        Set<String> ids = familiesBySubject.get(entry.getValue().subject);
        if (ids != null && ids.remove(entry.getKey()) && ids.isEmpty()) {
          familiesBySubject.remove(entry.getValue().subject);
        }
        it.remove();
        purged++;
      }
    }
    attempts.values().removeIf(entry -> now >= entry.windowEndsAt);
    return Future.succeededFuture(purged);
  }

  @Override
  public synchronized Future<Integer> takeAttempt(String owner, String counter, Duration window) {
    long now = policy.now();
    Attempts current = attempts.get(owner);
    if (current == null || now >= current.windowEndsAt) {
      current = new Attempts(now + window.toMillis(), new HashMap<>());
      attempts.put(owner, current);
    }
    return Future.succeededFuture(current.counts.merge(counter, 1, Integer::sum));
  }

  @Override
  public synchronized Future<Void> giveBackAttempt(String owner, String counter) {
    Attempts current = attempts.get(owner);
    if (current != null && policy.now() < current.windowEndsAt) {
      current.counts.computeIfPresent(counter, (key, count) -> count > 1 ? count - 1 : null);
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> clearAttempts(String owner) {
    attempts.remove(owner);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public synchronized SessionStore sessionStore(Vertx vertx) {
    if (sessions == null) {
      // A map of its own: two gateways in one Vert.x with memory stores share nothing, as with refresh tokens.
      sessions = LocalSessionStore.create(vertx, "bff-gateway.sessions." + UUID.randomUUID(), SESSION_REAPER_MILLIS);
    }
    return sessions;
  }

  @Override
  public synchronized Future<Void> close() {
    if (sessions != null) {
      sessions.close();
    }
    return Future.succeededFuture();
  }
}
