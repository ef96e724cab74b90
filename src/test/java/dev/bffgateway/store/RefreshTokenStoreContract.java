package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every store must do, run against each backend (as oauth2-proxy runs one session-store suite against all
 * of its stores): one abstract contract per concern of the {@link Store}, each test on a fresh store of the backend.
 * Times are driven by a clock the test moves, so grace and expiry are checked to the millisecond.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
abstract class RefreshTokenStoreContract {
  /** Tokens live 100 s, families at most 250 s; a replay within 10 s is a concurrent refresh. */
  static final RefreshTokensConfig LIFETIMES = new RefreshTokensConfig(100, 250, 10, RefreshTokensConfig.Rotate.COOKIES);
  static final JsonObject ALICE = new JsonObject().put("userName", "alice").put("roles", List.of("Admin"));

  protected final MutableClock clock = MutableClock.atNow();
  protected RefreshTokenStore store;

  /** A store of the backend under test, empty, on the given clock. */
  abstract Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) throws Exception;

  @BeforeEach
  void openStore(Vertx vertx) throws Exception {
    store = open(vertx, LIFETIMES, clock).await();
  }

  @AfterEach
  void closeStore() {
    store.close().await();
  }

  /** Each backend's test runs every concern's contract as a nested class of its own, so that reports name the backend. */
  @Test
  void runsTheContractOfEveryConcern() {
    for (Class<?> contract : RefreshTokenStoreContract.class.getDeclaredClasses()) {
      assertTrue(Arrays.stream(getClass().getDeclaredClasses())
          .anyMatch(nested -> nested.isAnnotationPresent(Nested.class) && contract.isAssignableFrom(nested)),
        getClass().getSimpleName() + " runs " + contract.getSimpleName() + " as a @Nested class");
    }
  }

  /** What {@link FamilyStore} promises. */
  abstract class FamilyContract {
    @Test
    void rotatesTheCurrentTokenIntoASuccessor() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, "Firefox on Linux").await();
      assertEquals(clock.millis() + 100_000, issued.expiresAt());

      clock.advance(Duration.ofSeconds(30));
      Rotation first = store.rotate(issued.token()).await();
      assertEquals(Outcome.ROTATED, first.outcome());
      assertNotEquals(issued.token(), first.newToken());
      assertEquals(issued.familyId(), first.record().familyId());
      assertEquals("42", first.record().subject());
      assertEquals(ALICE, first.record().user());
      assertEquals(clock.millis() + 100_000, first.record().expiresAt(), "the successor's lifetime slides");

      Rotation second = store.rotate(first.newToken()).await();
      assertEquals(Outcome.ROTATED, second.outcome());
      assertEquals(issued.familyId(), second.record().familyId());
    }

    @Test
    void aSessionUsesItsFamilyWhileTheFamilyLives() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, "Firefox on Linux").await();
      long createdAt = clock.millis();
      clock.advance(Duration.ofSeconds(200));
      RefreshRecord used = store.useFamily(issued.familyId()).await();
      assertEquals("42", used.subject());
      assertEquals(ALICE, used.user());
      assertEquals(createdAt + 250_000, used.familyExpiresAt(), "a session's family ends at the family's absolute end");
      assertEquals(clock.millis(), store.families("42").await().get(0).lastUsedAt(), "using it marks the device used");
      assertNull(store.useFamily("no-such-family").await());

      clock.advance(Duration.ofSeconds(51));
      assertNull(store.useFamily(issued.familyId()).await(), "past the family's lifetime");
      IssuedRefreshToken other = store.issue("42", null, ALICE, null).await();
      store.revokeFamily(other.familyId()).await();
      assertNull(store.useFamily(other.familyId()).await(), "revoked");
    }

    @Test
    void aKeptTokenStaysCurrentAndSlidesUntilItsFamilyEnds() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, "service").await();
      long familyEnd = clock.millis() + 250_000;
      for (int i = 0; i < 3; i++) {
        clock.advance(Duration.ofSeconds(80));
        Rotation kept = store.keep(issued.token()).await();
        assertEquals(Outcome.KEPT, kept.outcome(), "use " + i + ", long past the grace window and the first ttl");
        assertNull(kept.newToken());
        assertEquals(issued.familyId(), kept.record().familyId());
        assertEquals("42", kept.record().subject());
        assertEquals(ALICE, kept.record().user());
        assertEquals(Math.min(clock.millis() + 100_000, familyEnd), kept.record().expiresAt(), "its lifetime slides");
        assertEquals(familyEnd, kept.record().familyExpiresAt());
        assertEquals(clock.millis(), store.families("42").await().get(0).lastUsedAt());
      }
      clock.advance(Duration.ofSeconds(11));
      assertEquals(Outcome.EXPIRED, store.keep(issued.token()).await().outcome(), "the family is over at 250 s");
    }


    @Test
    void aKeptTokenExpiresAfterItsTtlWithoutUse() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      clock.advance(Duration.ofSeconds(50));
      assertEquals(Outcome.KEPT, store.keep(issued.token()).await().outcome());
      clock.advance(Duration.ofMillis(100_001));
      assertEquals(Outcome.EXPIRED, store.keep(issued.token()).await().outcome(), "100 s after its last use");
    }


    @Test
    void aKeptTokenEndsWithItsFamily() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      assertEquals(Outcome.KEPT, store.keep(issued.token()).await().outcome());
      store.revokeFamilyOf(issued.token()).await();
      assertEquals(Outcome.REVOKED, store.keep(issued.token()).await().outcome());
      assertEquals(Outcome.UNKNOWN, store.keep("not-a-token").await().outcome());
    }


    @Test
    void keepingARotatedTokenIsGraceThenReuse() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      Rotation rotated = store.rotate(issued.token()).await();

      clock.advance(Duration.ofSeconds(10));
      Rotation grace = store.keep(issued.token()).await();
      assertEquals(Outcome.GRACE, grace.outcome());
      assertEquals(issued.familyId(), grace.record().familyId());

      clock.advance(Duration.ofMillis(1));
      assertEquals(Outcome.REUSED, store.keep(issued.token()).await().outcome());
      assertEquals(Outcome.REVOKED, store.keep(rotated.newToken()).await().outcome(), "reuse revokes the whole family");
    }


    @Test
    void aKeptTokenCanStillBeRotated() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      assertEquals(Outcome.KEPT, store.keep(issued.token()).await().outcome());
      Rotation rotated = store.rotate(issued.token()).await();
      assertEquals(Outcome.ROTATED, rotated.outcome());
      assertEquals(Outcome.KEPT, store.keep(rotated.newToken()).await().outcome());
    }

    @Test
    void graceThenReuseAtTheExactBoundary() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      Rotation rotated = store.rotate(issued.token()).await();

      clock.advance(Duration.ofSeconds(10));
      Rotation grace = store.rotate(issued.token()).await();
      assertEquals(Outcome.GRACE, grace.outcome(), "10 s after its rotation the old token is still a concurrent refresh");
      assertNull(grace.newToken(), "no second successor: the browser already has one");
      assertEquals(issued.familyId(), grace.record().familyId());
      assertEquals(ALICE, grace.record().user());

      clock.advance(Duration.ofMillis(1));
      assertEquals(Outcome.REUSED, store.rotate(issued.token()).await().outcome());
      assertEquals(Outcome.REVOKED, store.rotate(rotated.newToken()).await().outcome(), "reuse revokes the whole family");
      assertEquals(List.of(), store.families("42").await());
    }

    @Test
    void unknownTokens() {
      assertEquals(Outcome.UNKNOWN, store.rotate("not-a-token").await().outcome());
      assertEquals(Outcome.UNKNOWN, store.rotate("").await().outcome());
    }

    @Test
    void tokensExpireAfterTheirTtl() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      clock.advance(Duration.ofSeconds(100));
      IssuedRefreshToken other = store.issue("42", null, ALICE, null).await();
      assertEquals(Outcome.ROTATED, store.rotate(other.token()).await().outcome());
      clock.advance(Duration.ofMillis(1));
      assertEquals(Outcome.EXPIRED, store.rotate(issued.token()).await().outcome());
    }

    @Test
    void rotationNeverExtendsAFamilyPastItsAbsoluteLifetime() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      long familyEnd = clock.millis() + 250_000;
      String token = issued.token();
      for (int i = 0; i < 3; i++) {
        clock.advance(Duration.ofSeconds(80));
        Rotation rotation = store.rotate(token).await();
        assertEquals(Outcome.ROTATED, rotation.outcome(), "rotation " + i);
        assertTrue(rotation.record().expiresAt() <= familyEnd, "a successor outlives its family");
        assertEquals(familyEnd, rotation.record().familyExpiresAt());
        token = rotation.newToken();
      }
      assertEquals(familyEnd, store.rotate(token).await().record() == null ? familyEnd : familyEnd);
      clock.advance(Duration.ofSeconds(11));
      assertEquals(Outcome.EXPIRED, store.rotate(token).await().outcome(), "the family is over at 250 s");
    }

    @Test
    void revokingAFamilyLeavesTheOthers() {
      IssuedRefreshToken laptop = store.issue("42", null, ALICE, "laptop").await();
      IssuedRefreshToken phone = store.issue("42", null, ALICE, "phone").await();
      store.revokeFamily(laptop.familyId()).await();
      store.revokeFamily("no-such-family").await();

      assertEquals(Outcome.REVOKED, store.rotate(laptop.token()).await().outcome());
      assertEquals(Outcome.ROTATED, store.rotate(phone.token()).await().outcome());
    }

    @Test
    void logoutRevokesTheFamilyOfAnyOfItsTokens() {
      IssuedRefreshToken laptop = store.issue("42", null, ALICE, "laptop").await();
      IssuedRefreshToken phone = store.issue("42", null, ALICE, "phone").await();
      Rotation rotated = store.rotate(laptop.token()).await();
      store.revokeFamilyOf(laptop.token()).await();
      store.revokeFamilyOf("unknown-token").await();

      assertEquals(Outcome.REVOKED, store.rotate(rotated.newToken()).await().outcome());
      assertEquals(Outcome.ROTATED, store.rotate(phone.token()).await().outcome());
    }

    @Test
    void findsTheFamilyOfCurrentAndRotatedTokens() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, "laptop").await();
      Rotation rotated = store.rotate(issued.token()).await();
      assertEquals(new FamilyRef(issued.familyId(), "42"), store.familyOf(issued.token()).await());
      assertEquals(new FamilyRef(issued.familyId(), "42"), store.familyOf(rotated.newToken()).await());
      assertNull(store.familyOf("unknown").await());
    }

    @Test
    void listsTheSubjectsActiveFamilies() {
      IssuedRefreshToken laptop = store.issue("42", null, ALICE, "Firefox on Linux").await();
      long laptopCreated = clock.millis();
      clock.advance(Duration.ofSeconds(5));
      IssuedRefreshToken phone = store.issue("42", null, ALICE, "Safari on iOS").await();
      IssuedRefreshToken revoked = store.issue("42", null, ALICE, "old tablet").await();
      store.revokeFamily(revoked.familyId()).await();
      clock.advance(Duration.ofSeconds(5));
      store.rotate(laptop.token()).await();

      List<FamilyInfo> families = store.families("42").await();
      assertEquals(List.of(laptop.familyId(), phone.familyId()), families.stream().map(FamilyInfo::familyId).toList());
      assertEquals(new FamilyInfo(laptop.familyId(), laptopCreated, clock.millis(), "Firefox on Linux"), families.get(0));
      assertEquals("Safari on iOS", families.get(1).client());
      assertEquals(families.get(1).createdAt(), families.get(1).lastUsedAt());
      assertEquals(List.of(), store.families("nobody").await());
    }

    @Test
    void continuesAGivenFamily() {
      IssuedRefreshToken first = store.issue("42", null, ALICE, "laptop").await();
      IssuedRefreshToken second = store.issue("42", first.familyId(), ALICE, "laptop").await();
      assertEquals(first.familyId(), second.familyId());
      assertEquals(1, store.families("42").await().size());
      store.revokeFamily(first.familyId()).await();
      assertEquals(Outcome.REVOKED, store.rotate(second.token()).await().outcome());
    }

    @Test
    void ofAHundredConcurrentRotationsExactlyOneRotates() {
      IssuedRefreshToken issued = store.issue("42", null, ALICE, null).await();
      List<Future<Rotation>> rotations = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        rotations.add(store.rotate(issued.token()));
      }
      Future.all(rotations).await();
      Map<Outcome, Long> outcomes = rotations.stream().map(Future::result)
        .collect(Collectors.groupingBy(Rotation::outcome, Collectors.counting()));
      assertEquals(Map.of(Outcome.ROTATED, 1L, Outcome.GRACE, 99L), outcomes);
      String successor = rotations.stream().map(Future::result).filter(r -> r.outcome() == Outcome.ROTATED)
        .map(Rotation::newToken).findFirst().orElseThrow();
      assertEquals(Outcome.ROTATED, store.rotate(successor).await().outcome(), "the family survived");
    }
  }

  /** What {@link SubjectRevocationStore} promises. */
  abstract class SubjectRevocationContract {
    @Test
    void revokingASubjectLogsOutEverywhereButNobodyElse() {
      IssuedRefreshToken laptop = store.issue("42", null, ALICE, "laptop").await();
      IssuedRefreshToken phone = store.issue("42", null, ALICE, "phone").await();
      IssuedRefreshToken bob = store.issue("7", null, new JsonObject().put("userName", "bob"), "bob's laptop").await();
      store.revokeSubject("42").await();

      assertEquals(Outcome.REVOKED, store.rotate(laptop.token()).await().outcome());
      assertEquals(Outcome.REVOKED, store.rotate(phone.token()).await().outcome());
      assertEquals(Outcome.ROTATED, store.rotate(bob.token()).await().outcome());
      assertEquals(List.of(), store.families("42").await());
    }

    @Test
    void revokingASubjectInvalidatesTheAccessTokensIssuedBeforeIt() {
      assertEquals(0L, store.revokedBefore("42").await());
      store.issue("42", null, ALICE, "laptop").await();
      clock.advance(Duration.ofSeconds(3));
      long revokedAt = clock.millis();
      store.revokeSubject("42").await();
      clock.advance(Duration.ofSeconds(3));
      assertEquals(revokedAt, store.revokedBefore("42").await());
      assertEquals(0L, store.revokedBefore("7").await());
    }
  }

  /** What {@link ProviderGrantStore} promises. */
  abstract class ProviderGrantContract {
    @Test
    void keepsAProviderGrantWithItsFamilyAndDropsItWhenTheFamilyEnds() {
      JsonObject grant = new JsonObject().put("access_token", "at-1").put("refresh_token", "rt-1").put("expires_at", 1234L);
      IssuedRefreshToken laptop = store.issue("kc|alice", null, ALICE, "laptop").await();
      IssuedRefreshToken phone = store.issue("kc|alice", null, ALICE, "phone").await();
      IssuedRefreshToken tablet = store.issue("kc|alice", null, ALICE, "tablet").await();
      assertNull(store.providerGrant(laptop.familyId()).await(), "nothing kept yet");
      assertTrue(store.putProviderGrant(laptop.familyId(), "kc|sid-1", grant).await());
      assertTrue(store.putProviderGrant(phone.familyId(), "kc|sid-1", grant).await());
      assertTrue(store.putProviderGrant(tablet.familyId(), "kc|sid-2", grant).await());
      assertEquals(grant, store.providerGrant(laptop.familyId()).await());

      JsonObject refreshed = grant.copy().put("access_token", "at-2").put("refresh_token", "rt-2");
      assertTrue(store.putProviderGrant(laptop.familyId(), null, refreshed).await(), "a refresh replaces the grant");
      assertEquals(refreshed, store.providerGrant(laptop.familyId()).await());
      assertEquals(List.of(laptop.familyId(), phone.familyId()).stream().sorted().toList(),
        store.familiesOfProviderSession("kc|sid-1").await().stream().sorted().toList(), "the provider session is kept through the refresh");
      assertEquals(List.of(tablet.familyId()), store.familiesOfProviderSession("kc|sid-2").await());
      assertEquals(List.of(), store.familiesOfProviderSession("kc|no-such-sid").await());

      store.revokeFamily(laptop.familyId()).await();
      assertNull(store.providerGrant(laptop.familyId()).await(), "a revoked family's provider tokens are gone");
      assertEquals(List.of(phone.familyId()), store.familiesOfProviderSession("kc|sid-1").await());
      assertEquals(false, store.putProviderGrant(laptop.familyId(), null, grant).await(), "nothing is kept for a revoked family");
      assertNull(store.providerGrant(laptop.familyId()).await());
      assertEquals(false, store.putProviderGrant("no-such-family", "kc|sid-1", grant).await());

      store.revokeSubject("kc|alice").await();
      assertNull(store.providerGrant(phone.familyId()).await());
      assertEquals(List.of(), store.familiesOfProviderSession("kc|sid-1").await());

      IssuedRefreshToken later = store.issue("kc|alice", null, ALICE, "laptop").await();
      store.putProviderGrant(later.familyId(), null, grant).await();
      clock.advance(Duration.ofSeconds(251));
      assertNull(store.providerGrant(later.familyId()).await(), "past the family's lifetime");
    }
  }

  /** What {@link SignInAttemptStore} promises. */
  abstract class SignInAttemptContract {
    @Test
    void countsSignInAttemptsPerCounterInTheOwnersWindow() {
      Duration window = Duration.ofMinutes(15);
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await());
      assertEquals(2, store.takeAttempt("user:alice", "10.0.0.1", window).await());
      assertEquals(1, store.takeAttempt("user:bob", "10.0.0.1", window).await(), "other owners count apart");
      clock.advance(Duration.ofMinutes(10));
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.2", window).await(), "other counters count apart");
      assertEquals(3, store.takeAttempt("user:alice", "10.0.0.1", window).await());

      clock.advance(Duration.ofMinutes(5));
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await(), "the window began with the owner's first attempt");
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.2", window).await(), "and all of the owner's counters restart with it");
      clock.advance(Duration.ofMinutes(14));
      assertEquals(2, store.takeAttempt("user:alice", "10.0.0.2", window).await(), "the new window lasts its whole length");
    }

    @Test
    void concurrentAttemptsNeverLoseACount() {
      List<Future<Integer>> takes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        takes.add(store.takeAttempt("user:bob", "10.0.0.1", Duration.ofMinutes(15)));
      }
      Future.all(takes).await();
      assertEquals(IntStream.rangeClosed(1, 100).boxed().toList(), takes.stream().map(Future::result).sorted().toList(),
        "each attempt got a count of its own");
    }

    @Test
    void aGivenBackAttemptDoesNotCount() {
      Duration window = Duration.ofMinutes(15);
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await(), "never below zero");
      assertEquals(2, store.takeAttempt("user:alice", "10.0.0.1", window).await());
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      store.giveBackAttempt("user:alice", "10.0.0.2").await();
      assertEquals(2, store.takeAttempt("user:alice", "10.0.0.1", window).await());
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await(), "never below zero");

      clock.advance(window);
      store.giveBackAttempt("user:alice", "10.0.0.1").await();
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await(), "nothing to give back once the window is over");
    }

    @Test
    void clearingAnOwnerForgetsAllOfItsCounters() {
      Duration window = Duration.ofMinutes(15);
      for (int i = 0; i < 5; i++) {
        store.takeAttempt("user:alice", "10.0.0.1", window).await();
        store.takeAttempt("user:alice", "2001:db8::1", window).await();
        store.takeAttempt("user:bob", "10.0.0.1", window).await();
      }
      store.clearAttempts("user:alice").await();
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await());
      assertEquals(1, store.takeAttempt("user:alice", "2001:db8::1", window).await());
      assertEquals(6, store.takeAttempt("user:bob", "10.0.0.1", window).await(), "other owners keep their counts");
      store.clearAttempts("user:nobody").await();
    }
  }

  /** What {@link SessionStoreFactory} promises. */
  abstract class SessionContract {
    @Test
    void sessionsAreStoredTouchedAndDeleted(Vertx vertx) {
      io.vertx.ext.web.sstore.SessionStore sessions = store.sessionStore(vertx);
      io.vertx.ext.web.Session session = sessions.createSession(60_000, 32);
      session.put("sub", "42").put("started", 1234L);
      sessions.put(session).await();

      io.vertx.ext.web.Session found = sessions.get(session.id()).await();
      assertEquals("42", found.get("sub"));
      assertEquals(1234L, (Long) found.get("started"));
      assertNull(sessions.get("no-such-session").await());

      found.setAccessed();
      sessions.put(found).await();
      assertEquals("42", sessions.get(session.id()).await().get("sub"), "a touched session keeps its data");

      sessions.delete(session.id()).await();
      assertNull(sessions.get(session.id()).await());
    }
  }

  /** What {@link StoreLifecycle} promises. */
  abstract class LifecycleContract {
    @Test
    void purgeRemovesWhatExpired() {
      IssuedRefreshToken old = store.issue("42", null, ALICE, null).await();
      clock.advance(Duration.ofSeconds(251));
      IssuedRefreshToken fresh = store.issue("42", null, ALICE, null).await();

      int purged = store.purgeExpired().await();
      assertTrue(purged >= 0, "Redis expires keys by itself and reports 0");
      assertEquals(Outcome.ROTATED, store.rotate(fresh.token()).await().outcome());
      Outcome afterPurge = store.rotate(old.token()).await().outcome();
      assertTrue(afterPurge == Outcome.UNKNOWN || afterPurge == Outcome.EXPIRED, afterPurge.name());
      assertEquals(List.of(fresh.familyId()), store.families("42").await().stream().map(FamilyInfo::familyId).toList());
    }

    @Test
    void purgingForgetsCountsWhoseWindowIsOver() {
      Duration window = Duration.ofMinutes(15);
      store.takeAttempt("user:alice", "10.0.0.1", window).await();
      store.takeAttempt("user:alice", "10.0.0.1", window).await();
      clock.advance(window);
      store.purgeExpired().await();
      assertEquals(1, store.takeAttempt("user:alice", "10.0.0.1", window).await());
    }

    @Test
    void answersPing() {
      store.ping().await();
    }
  }
}
