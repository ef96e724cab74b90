package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.store.Store;
import dev.bffgateway.store.Stores;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RedisSentinelSetup;
import dev.bffgateway.support.Poll;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No rotation is lost when the Redis primary dies: 200 clients refresh without pause through two gateways on a
 * Sentinel-managed Redis (1 primary, 2 replicas, 3 sentinels); the primary is killed (SIGKILL) mid-storm, with
 * writes its replicas never got, as after a stall. The clients retry 503s as a browser would after Retry-After (sooner, to keep the test short). After the failover
 * every family still refreshes, none is revoked, nobody was logged out, and 503 was the only error.
 */
@ExtendWith(VertxExtension.class)
@Timeout(180)
class RedisFailoverTest {
  private static final int FAMILIES = 200;

  @TempDir
  Path dir;
  private RedisSentinelSetup redis;

  @AfterEach
  void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  /** One browser: its cookies, and what happened to it. */
  private static final class Client {
    final CookieJar jar = new CookieJar();
    final AtomicInteger refreshed = new AtomicInteger();
    final AtomicInteger refreshedAfterFailover = new AtomicInteger();
    volatile String loggedOut;
    final Promise<Void> done = Promise.promise();
  }

  @Test
  void killingThePrimaryMidStormLosesNoRotationAndLogsNobodyOut(Vertx vertx) throws Exception {
    redis = RedisSentinelSetup.start(dir);
    AuthFlowTestSupport.writeUsers(dir);
    JsonObject config = TestGateway.redisStore(TestGateway.config(dir, new JsonArray()), redis)
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000))
      .put("cookies", new JsonObject().put("secure", "auto"));
    List<Http> gateways = List.of(http(vertx, TestGateway.start(vertx, config).await()), http(vertx, TestGateway.start(vertx, config).await()));

    // One sign-in at a time: concurrent ones for one user name would be throttled, as each takes its slot first.
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < FAMILIES; i++) {
      Client client = new Client();
      clients.add(client);
      Http.Response signedIn = gateways.get(i % 2).send(HttpMethod.POST, "/auth/credentials",
          MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
          new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer())
        .onSuccess(client.jar::update).await();
      assertEquals(200, signedIn.status());
    }

    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger transportErrors = new AtomicInteger();
    Storm storm = new Storm(vertx, gateways, statuses, transportErrors);
    clients.forEach(storm::step);
    Poll.until("every client to refresh once", Duration.ofSeconds(60), () -> clients.stream().allMatch(c -> c.refreshed.get() > 0));

    long killedAt = System.nanoTime();
    RedisServer old = redis.killPrimaryAhead(20_000);
    redis.awaitPrimaryOtherThan(old, Duration.ofSeconds(30));
    long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
    storm.failedOver = true;
    Poll.until("every client to refresh twice after the failover", Duration.ofSeconds(60),
      () -> clients.stream().allMatch(c -> c.refreshedAfterFailover.get() >= 2 || c.loggedOut != null));
    storm.stopped = true;
    Future.all(clients.stream().map(c -> c.done.future()).toList()).await();

    List<String> loggedOut = clients.stream().map(c -> c.loggedOut).filter(java.util.Objects::nonNull).toList();
    Map<Integer, Integer> byStatus = new TreeMap<>();
    statuses.forEach((status, count) -> byStatus.put(status, count.get()));
    System.out.println("failover: " + failoverMs + " ms to a new primary; responses by status " + byStatus
      + "; transport errors " + transportErrors + "; logged out " + loggedOut.size());

    assertEquals(0, loggedOut.size(), () -> "nobody is logged out; the first: " + loggedOut.get(0));
    assertEquals(0, transportErrors.get());
    assertTrue(byStatus.keySet().stream().allMatch(status -> status == 200 || status == 503), "only 503s fail: " + byStatus);

    // Every family refreshes once more, with the one token its client holds, and none was revoked.
    for (Client client : clients) {
      String before = client.jar.get("ss-reftok");
      Http.Response last = gateways.get(0).send(HttpMethod.POST, "/access-token", client.jar.headers(), null).await();
      assertEquals(200, last.status());
      client.jar.update(last);
      assertNotEquals(before, client.jar.get("ss-reftok"), "a rotation, not a concurrent refresh");
    }
    GatewayConfig parsed = TestGateway.parse(config);
    Store store = Stores.open(vertx, parsed.store(), parsed.refreshTokens(), Clock.systemUTC()).await();
    try {
      assertEquals(FAMILIES, store.families().families("1").await().size(), "no family revoked");
    } finally {
      store.lifecycle().close().await();
    }
  }

  /** Each client refreshes in a loop, alternating gateways; a 503 is retried shortly, anything else ends it. */
  private static final class Storm {
    private final Vertx vertx;
    private final List<Http> gateways;
    private final Map<Integer, AtomicInteger> statuses;
    private final AtomicInteger transportErrors;
    volatile boolean failedOver;
    volatile boolean stopped;

    Storm(Vertx vertx, List<Http> gateways, Map<Integer, AtomicInteger> statuses, AtomicInteger transportErrors) {
      this.vertx = vertx;
      this.gateways = gateways;
      this.statuses = statuses;
      this.transportErrors = transportErrors;
    }

    void step(Client client) {
      if (stopped) {
        client.done.tryComplete();
        return;
      }
      Http on = gateways.get((client.refreshed.get() + client.hashCode()) % 2 == 0 ? 0 : 1);
      on.send(HttpMethod.POST, "/access-token", client.jar.headers(), null).onComplete(result -> {
        if (result.failed()) {
          transportErrors.incrementAndGet();
          vertx.setTimer(50, t -> step(client));
          return;
        }
        Http.Response response = result.result();
        statuses.computeIfAbsent(response.status(), s -> new AtomicInteger()).incrementAndGet();
        client.jar.update(response);
        if (client.jar.get("ss-reftok") == null || response.status() != 200 && response.status() != 503) {
          client.loggedOut = response.status() + " " + response.body();
          client.done.tryComplete();
        } else if (response.status() == 503) {
          assertNotNull(response.header("retry-after"));
          vertx.setTimer(50, t -> step(client));
        } else {
          client.refreshed.incrementAndGet();
          if (failedOver) {
            client.refreshedAfterFailover.incrementAndGet();
          }
          vertx.runOnContext(v -> step(client));
        }
      });
    }
  }

  private static Http http(Vertx vertx, Gateway gateway) {
    return new Http(vertx.createHttpClient(), gateway.port());
  }
}
