package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKeys;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Three gateways on one Redis, as behind a load balancer: every flow holds whichever instance a request hits. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ClusterTest {
  private final MutableClock clock = MutableClock.atNow();
  @TempDir
  Path dir;
  private RedisServer redis;
  private RecordingUpstream upstream;
  private JsonObject config;
  private Http a;
  private Http b;
  private Http c;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    redis = RedisServer.start(dir);
    AuthFlowTestSupport.writeUsers(dir);
    TokenKeys.generate(JwsAlgorithm.ES256, dir.resolve("old.pem"));
    TokenKeys.generate(JwsAlgorithm.ES256, dir.resolve("new.pem"));
    upstream = RecordingUpstream.start(vertx).await();
    config = TestGateway.redisStore(TestGateway.config(dir, new JsonArray()
        .add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required"))), redis)
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000).put("maxFailures", 3))
      .put("cookies", new JsonObject().put("secure", "auto"))
      .put("tokens", new JsonObject().put("keys", new JsonArray().add(key("old.pem", true))));
    a = http(vertx, TestGateway.start(vertx, config, clock).await());
    b = http(vertx, TestGateway.start(vertx, config, clock).await());
    c = http(vertx, TestGateway.start(vertx, config, clock).await());
  }

  @AfterEach
  void stopRedis() throws Exception {
    redis.close();
  }

  private JsonObject key(String file, boolean signing) {
    return new JsonObject().put("pem", dir.resolve(file).toString()).put("signing", signing);
  }

  private static Http http(Vertx vertx, Gateway gateway) {
    return new Http(vertx.createHttpClient(), gateway.port());
  }

  private static Http.Response signIn(Http on, CookieJar jar, String password) {
    Http.Response response = on.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", password).toBuffer()).await();
    jar.update(response);
    return response;
  }

  private static Http.Response refresh(Http on, CookieJar jar) {
    Http.Response response = on.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
    jar.update(response);
    return response;
  }

  @Test
  void signInOnARefreshOnBCallOnC() {
    CookieJar jar = new CookieJar();
    assertEquals(200, signIn(a, jar, "wonderland").status());
    assertEquals(200, refresh(b, jar).status());
    assertEquals(200, c.get("/api/orders", jar.headers()).status());
    assertEquals("Bearer " + jar.get("ss-tok"), upstream.last().headers().get("authorization"));
  }

  @Test
  void twentyConcurrentRefreshesOverTwoInstancesRotateOnceAndRevokeNothing() {
    CookieJar jar = new CookieJar();
    signIn(a, jar, "wonderland");
    List<Future<Http.Response>> refreshes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      refreshes.add((i % 2 == 0 ? a : b).send(HttpMethod.POST, "/access-token", jar.headers(), null));
    }
    Future.all(refreshes).await();
    int successors = 0;
    CookieJar next = new CookieJar();
    for (Future<Http.Response> refreshed : refreshes) {
      assertEquals(200, refreshed.result().status());
      if (CookieJar.setCookie(refreshed.result(), "ss-reftok") != null) {
        successors++;
        next.update(refreshed.result());
      }
    }
    assertEquals(1, successors, "one rotation; the others were concurrent refreshes within the grace period");
    assertEquals(200, refresh(c, next).status(), "the family lives on");
  }

  @Test
  void aReplayAfterTheGracePeriodRevokesTheFamilyOnEveryInstance() {
    CookieJar jar = new CookieJar();
    signIn(a, jar, "wonderland");
    CookieJar stolen = new CookieJar();
    stolen.put("ss-reftok", jar.get("ss-reftok"));
    assertEquals(200, refresh(a, jar).status());
    clock.advance(Duration.ofSeconds(11));
    assertEquals(401, refresh(b, stolen).status(), "the old token, replayed");
    assertEquals(401, refresh(c, jar).status(), "the family is revoked, so the real successor is refused too");
  }

  @Test
  void logoutOnBEndsTheRefreshAtOnceAndTheAccessTokenWithinTheWindowOnA() {
    CookieJar jar = new CookieJar();
    signIn(a, jar, "wonderland");
    CookieJar accessOnly = new CookieJar();
    accessOnly.put("ss-tok", jar.get("ss-tok"));
    assertEquals(200, a.get("/api/before", accessOnly.headers()).status());
    CookieJar copy = new CookieJar();
    copy.put("ss-reftok", jar.get("ss-reftok"));
    assertEquals(200, b.send(HttpMethod.POST, "/auth/logout", jar.headers(), null).await().status());

    assertEquals(401, refresh(a, copy).status(), "the refresh token is dead at once");
    clock.advance(Duration.ofSeconds(6));
    int before = upstream.received().size();
    assertEquals(401, a.get("/api/after", accessOnly.headers()).status(), "the access token is dead within the revocation window");
    assertEquals(before, upstream.received().size());
    assertEquals(401, a.get("/auth", accessOnly.headers()).status(), "the current user too");
  }

  @Test
  void aLogoutEndsTheAccessTokenAtOnceOnTheInstanceThatHandledIt() {
    CookieJar jar = new CookieJar();
    signIn(a, jar, "wonderland");
    CookieJar accessOnly = new CookieJar();
    accessOnly.put("ss-tok", jar.get("ss-tok"));
    assertEquals(200, a.get("/auth", accessOnly.headers()).status());
    assertEquals(200, a.get("/api/before", accessOnly.headers()).status());
    assertEquals(200, a.send(HttpMethod.POST, "/auth/logout", jar.headers(), null).await().status());
    Http.Response me = a.get("/auth", accessOnly.headers());
    assertEquals(401, me.status());
    assertEquals("Token has been invalidated", Http.responseStatus(me).getString("message"));
  }

  @Test
  void signInThrottlingCountsAcrossInstances() {
    CookieJar jar = new CookieJar();
    assertEquals(401, signIn(a, jar, "wrong").status());
    assertEquals(401, signIn(b, jar, "wrong").status());
    assertEquals(401, signIn(c, jar, "wrong").status());
    Http.Response throttled = signIn(a, jar, "wonderland");
    assertEquals(429, throttled.status());
    assertNotNull(throttled.header("retry-after"));
  }

  @Test
  void aSigningKeyRolledOutToAFirstLogsNobodyOut(Vertx vertx) throws Exception {
    CookieJar earlier = new CookieJar();
    signIn(b, earlier, "wonderland");
    // A alone signs with the new key (keeping the old one to verify); B and C still know only the old key.
    Gateway rolledOut = TestGateway.start(vertx, config.copy().put("tokens", new JsonObject().put("keys",
      new JsonArray().add(key("new.pem", true)).add(key("old.pem", false)))), clock).await();
    Http onA = http(vertx, rolledOut);

    assertEquals(200, onA.get("/api/old-token", earlier.headers()).status(), "A verifies tokens of the old key");
    CookieJar later = new CookieJar();
    signIn(onA, later, "wonderland");
    Http.Response onB = b.get("/api/new-token", later.headers());
    assertEquals(200, onB.status(), "B cannot verify the new key's token, so it refreshes from the cookie instead of refusing");
    later.update(onB);
    assertEquals(200, c.get("/api/after", later.headers()).status());
  }
}
