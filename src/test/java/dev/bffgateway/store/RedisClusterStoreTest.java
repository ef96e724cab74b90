package dev.bffgateway.store;

import dev.bffgateway.config.RedisConfig;
import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RedisClusterSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The store contract on a Redis Cluster of three primaries with a replica each, every change confirmed by it. */
class RedisClusterStoreTest extends RefreshTokenStoreContract {
  private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
  private static RedisClusterSetup cluster;

  @BeforeAll
  static void startRedis(@TempDir Path dir) throws Exception {
    cluster = RedisClusterSetup.start(dir);
  }

  @AfterAll
  static void stopRedis() {
    cluster.close();
  }

  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return Future.succeededFuture(RedisRefreshTokenStore.create(vertx, new RedisConfig(RedisConfig.Topology.CLUSTER,
      cluster.nodeUrls(), null, null, null, "test" + TEST_NUMBER.incrementAndGet() + ":", 1, 1000),
      new RefreshPolicy(lifetimes, clock)));
  }
}
