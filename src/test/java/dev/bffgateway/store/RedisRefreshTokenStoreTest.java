package dev.bffgateway.store;

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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    return Future.succeededFuture(RedisRefreshTokenStore.create(vertx, redis.url(), "test" + TEST_NUMBER.incrementAndGet() + ":",
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
