package dev.bffgateway.store;

import dev.bffgateway.config.RedisConfig;
import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RedisClusterSetup;
import dev.bffgateway.support.Poll;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.store.Rotation.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * A slot migration under load loses nothing: 100 families rotate without pause while a quarter of the slots
   * move to another primary. Every presentation is ROTATED, or 503 and retried with the same token (answered
   * with the same successor when the rotation had happened); afterwards every family rotates on.
   */
  @Test
  @Timeout(120)
  void aSlotMigrationUnderLoadLosesNoRotation(Vertx vertx) throws Exception {
    RotationLoad load = new RotationLoad(vertx);
    cluster.reshard(4096);
    List<String> current = load.stop("reshard under load");
    assertTrue(load.rotated() > 100, load.outcomes.toString());
    assertEveryFamilyRotatesOn(current);
  }

  /**
   * A primary killed (SIGKILL) under load loses nothing: its replica takes over, the killed node comes back as a
   * replica, and every family rotates on; 503s, retried with the same token, are the only failures.
   */
  @Test
  @Timeout(120)
  void aPrimaryKilledUnderLoadLosesNoRotation(Vertx vertx) throws Exception {
    RotationLoad load = new RotationLoad(vertx);
    Poll.until("rotations under way", Duration.ofSeconds(30), () -> load.rotated() > 500);
    RedisServer killed = cluster.killPrimaryAndAwaitFailover();
    killed.startProcess();
    cluster.awaitReplicasInSync();
    int before = load.rotated();
    Poll.until("rotations after the failover", Duration.ofSeconds(30), () -> load.rotated() > before + 500);
    assertEveryFamilyRotatesOn(load.stop("cluster failover under load"));
  }

  private void assertEveryFamilyRotatesOn(List<String> current) {
    for (String token : current) {
      assertEquals(Outcome.ROTATED, store.rotate(token).await().outcome());
    }
  }

  /**
   * 100 families, each rotated by one client without pause, which retries a 503 with the same token; counts the
   * outcomes until stopped.
   */
  private final class RotationLoad {
    final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Promise<String>> families = new ArrayList<>();

    RotationLoad(Vertx vertx) {
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        tokens.add(store.issue("subject-" + i, null, ALICE, null).await().token());
      }
      for (String token : tokens) {
        Promise<String> last = Promise.promise();
        families.add(last);
        rotateUntilStopped(vertx, token, last);
      }
    }

    int rotated() {
      return outcomes.getOrDefault("ROTATED", new AtomicInteger()).get();
    }

    /** The token each client holds at the end, once only rotations, GRACE and 503s were seen. */
    List<String> stop(String what) {
      stopped.set(true);
      List<String> current = families.stream().map(family -> family.future().await()).toList();
      System.out.println(what + ": outcomes " + new TreeMap<>(outcomes));
      assertTrue(outcomes.keySet().stream().allMatch(outcome -> outcome.equals("ROTATED") || outcome.equals("GRACE")
        || outcome.equals("unavailable")), outcomes.toString());
      return current;
    }

    /** One client: rotates, and retries a 503 with the same token; completes with the token it holds at the end. */
    private void rotateUntilStopped(Vertx vertx, String token, Promise<String> last) {
      if (stopped.get()) {
        last.complete(token);
        return;
      }
      store.rotate(token).onComplete(result -> {
        if (result.failed()) {
          count(result.cause() instanceof StoreUnavailableException ? "unavailable" : result.cause().toString());
          vertx.setTimer(20, t -> rotateUntilStopped(vertx, token, last));
          return;
        }
        Rotation rotation = result.result();
        count(rotation.outcome().name() + (rotation.outcome() == Outcome.GRACE && rotation.newToken() == null ? " without successor" : ""));
        if (rotation.newToken() == null) {
          last.complete(token);
        } else {
          vertx.runOnContext(v -> rotateUntilStopped(vertx, rotation.newToken(), last));
        }
      });
    }

    private void count(String outcome) {
      outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }
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
    return Future.succeededFuture(RedisRefreshTokenStore.create(vertx, new RedisConfig(RedisConfig.Topology.CLUSTER,
      cluster.nodeUrls(), null, null, null, "test" + TEST_NUMBER.incrementAndGet() + ":", 1, 1000),
      new RefreshPolicy(lifetimes, clock)));
  }
}
