package dev.bffgateway.store;

import dev.bffgateway.config.RedisConfig;
import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RedisSentinelSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The store contract on a Sentinel-managed primary with two replicas, every change confirmed by one of them. */
class RedisSentinelStoreTest extends RefreshTokenStoreContract {
  private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
  private static RedisSentinelSetup sentinel;

  @BeforeAll
  static void startRedis(@TempDir Path dir) throws Exception {
    sentinel = RedisSentinelSetup.start(dir);
  }

  @AfterAll
  static void stopRedis() {
    sentinel.close();
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

  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return Future.succeededFuture(RedisRefreshTokenStore.create(vertx, new RedisConfig(RedisConfig.Topology.SENTINEL,
      sentinel.sentinelUrls(), RedisSentinelSetup.MASTER_NAME, null, null, "test" + TEST_NUMBER.incrementAndGet() + ":", 1, 1000),
      new RefreshPolicy(lifetimes, clock)));
  }
}
