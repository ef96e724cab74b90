package dev.bffgateway.store;

import dev.bffgateway.config.RedisConfig;
import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisRefreshTokenStoreTest extends RefreshTokenStoreContract {
  private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
  private static RedisServer redis;

  @BeforeAll
  static void startRedis(@TempDir Path dir) throws Exception {
    redis = RedisServer.start(dir);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  /** Each test gets its own key prefix on the shared server, so tests never see each other's keys. */
  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return Future.succeededFuture(RedisRefreshTokenStore.create(vertx, standalone(0),
      new RefreshPolicy(lifetimes, clock)));
  }

  @Nested
  class Families extends FamilyContract {
  }

  @Nested
  class SubjectRevocations extends SubjectRevocationContract {
  }

  @Nested
  class ProviderGrants extends ProviderGrantContract {
  }

  @Nested
  class SignInAttempts extends SignInAttemptContract {
  }

  @Nested
  class Sessions extends SessionContract {
  }

  @Nested
  class Lifecycle extends LifecycleContract {
  }

  private static RedisConfig standalone(int minReplicasAcked) {
    return new RedisConfig(RedisConfig.Topology.STANDALONE, List.of(redis.url()), null, null, null,
      "test" + TEST_NUMBER.incrementAndGet() + ":", minReplicasAcked, 200);
  }

  /**
   * A primary without replicas cannot confirm a change: every change is a 503, and the retried rotation gets the
   * same successor, however late, until one answer could be confirmed; then the grace rule applies again.
   */
  @Test
  void aRotationNoReplicaConfirmedAnswersTheSameSuccessorWhenRetried(Vertx vertx) {
    RedisConfig unconfirmed = standalone(1);
    RefreshPolicy policy = new RefreshPolicy(LIFETIMES, clock);
    RefreshTokenStore waiting = RedisRefreshTokenStore.create(vertx, unconfirmed, policy);
    RefreshTokenStore notWaiting = RedisRefreshTokenStore.create(vertx,
      new RedisConfig(unconfirmed.topology(), unconfirmed.endpoints(), null, null, null, unconfirmed.keyPrefix(), 0, 200), policy);
    try {
      assertInstanceOf(StoreUnavailableException.class, assertThrows(Throwable.class, () -> waiting.issue("42", null, ALICE, null).await()),
        "an issue no replica holds is not confirmed");
      IssuedRefreshToken issued = notWaiting.issue("42", null, ALICE, null).await();
      Throwable failed = assertThrows(Throwable.class, () -> waiting.rotate(issued.token()).await());
      assertInstanceOf(StoreUnavailableException.class, failed);
      assertTrue(failed.getMessage().contains("0 of 1 replicas"), failed.getMessage());

      clock.advance(Duration.ofSeconds(60));
      Rotation retried = notWaiting.rotate(issued.token()).await();
      assertEquals(Outcome.GRACE, retried.outcome(), "past the grace period, and still not a reuse: its client never had the successor");
      assertNotNull(retried.newToken());
      assertEquals(issued.familyId(), retried.record().familyId());
      assertEquals(clock.millis() - 60_000 + 100_000, retried.record().expiresAt(), "the successor's own expiry");

      Rotation again = notWaiting.rotate(issued.token()).await();
      assertEquals(Outcome.REUSED, again.outcome(), "once an answer with the successor was confirmed, the grace rule is back");
    } finally {
      waiting.close().await();
      notWaiting.close().await();
    }
  }

  @Test
  void retriedSuccessorIsTheOneTheUnconfirmedRotationMade(Vertx vertx) {
    RedisConfig unconfirmed = standalone(1);
    RefreshPolicy policy = new RefreshPolicy(LIFETIMES, clock);
    RefreshTokenStore waiting = RedisRefreshTokenStore.create(vertx, unconfirmed, policy);
    RefreshTokenStore notWaiting = RedisRefreshTokenStore.create(vertx,
      new RedisConfig(unconfirmed.topology(), unconfirmed.endpoints(), null, null, null, unconfirmed.keyPrefix(), 0, 200), policy);
    try {
      IssuedRefreshToken issued = notWaiting.issue("42", null, ALICE, null).await();
      assertThrows(Throwable.class, () -> waiting.rotate(issued.token()).await());
      String successor = notWaiting.rotate(issued.token()).await().newToken();
      assertEquals(Outcome.ROTATED, notWaiting.rotate(successor).await().outcome(), "the successor is current: the family goes on");
      assertEquals(1, notWaiting.families("42").await().size());
    } finally {
      waiting.close().await();
      notWaiting.close().await();
    }
  }

  @Test
  void failsTypedWhileRedisIsDownAndRecoversWhenItIsBack() throws Exception {
    IssuedRefreshToken before = store.issue("42", null, ALICE, null).await();
    redis.kill();
    try {
      Throwable rotate = assertThrows(Throwable.class, () -> store.rotate(before.token()).await());
      assertInstanceOf(StoreUnavailableException.class, rotate);
      assertInstanceOf(StoreUnavailableException.class, assertThrows(Throwable.class, () -> store.ping().await()));
      assertInstanceOf(StoreUnavailableException.class,
        assertThrows(Throwable.class, () -> store.takeAttempt("user:k", "10.0.0.1", Duration.ofMinutes(1)).await()));
    } finally {
      redis.startProcess();
    }
    store.ping().await();
    IssuedRefreshToken after = store.issue("42", null, ALICE, null).await();
    assertEquals(Outcome.ROTATED, store.rotate(after.token()).await().outcome(), "works again, scripts reloaded");
  }
}
