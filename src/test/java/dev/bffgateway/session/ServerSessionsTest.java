package dev.bffgateway.session;

import dev.bffgateway.Gateway;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.RedisClusterSetup;
import dev.bffgateway.support.RedisSentinelSetup;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pure-BFF sessions, ConvertSessionToToken, sessions across a restart and across instances on one Redis. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServerSessionsTest {
  private static final int TTL_SECONDS = 60;
  private final MutableClock clock = MutableClock.atNow();
  @TempDir
  Path dir;
  private RecordingUpstream upstream;

  @BeforeEach
  void startUpstream(Vertx vertx) {
    upstream = RecordingUpstream.start(vertx).await();
  }

  /** A gateway in that sessions mode, in front of the test's upstream. */
  private Http start(Vertx vertx, String mode) throws Exception {
    return http(vertx, TestGateway.start(vertx, config(mode), clock).await());
  }

  private JsonObject config(String mode) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")));
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.put("tokens", new JsonObject().put("accessTokenTtlSeconds", TTL_SECONDS));
    return config.put("sessions", new JsonObject().put("mode", mode));
  }

  private static Http http(Vertx vertx, Gateway gateway) {
    return new Http(vertx.createHttpClient(), gateway.port());
  }

  private static Http.Response signIn(Http http, CookieJar jar, String user, String password) {
    Http.Response response = http.send(HttpMethod.POST, "/auth/credentials", json(jar),
      new JsonObject().put("userName", user).put("password", password).toBuffer()).await();
    jar.update(response);
    return response;
  }

  private static Http.Response post(Http http, String uri, CookieJar jar, JsonObject body) {
    Http.Response response = http.send(HttpMethod.POST, uri, json(jar), body == null ? null : body.toBuffer()).await();
    jar.update(response);
    return response;
  }

  private static MultiMap json(CookieJar jar) {
    return jar.headers().add("content-type", "application/json");
  }

  private static String bearer(RecordingUpstream upstream) {
    String authorization = upstream.last().headers().get("authorization");
    assertNotNull(authorization, "the upstream got no token");
    assertTrue(authorization.startsWith("Bearer "));
    return authorization.substring(7);
  }

  @Test
  void pureBffSignInGivesTheBrowserOnlyASessionAndTheGatewayInjectsTokens(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();

    Http.Response signedIn = signIn(http, jar, "alice", "wonderland");
    assertEquals(200, signedIn.status());
    assertEquals(1, signedIn.headers().getAll("set-cookie").size(), signedIn.headers().getAll("set-cookie").toString());
    String sessionCookie = CookieJar.setCookie(signedIn, "ss-id");
    assertNotNull(sessionCookie);
    assertEquals("", CookieJar.attribute(sessionCookie, "HttpOnly"));
    assertEquals("Lax", CookieJar.attribute(sessionCookie, "SameSite"));
    assertTrue(jar.get("ss-id").length() >= 40, "a session id carries at least 256 bits");
    JsonObject body = signedIn.json();
    assertEquals("alice", body.getString("userName"));
    assertFalse(body.containsKey("bearerToken"));
    assertFalse(body.containsKey("refreshToken"));
    assertFalse(body.containsKey("sessionId"));
    assertEquals("ss-id", signedIn.header("x-cookies"));

    Http.Response proxied = http.get("/api/orders", jar.headers());
    assertEquals(200, proxied.status());
    String first = bearer(upstream);
    assertEquals("1", TestGateway.claims(first).getString("sub"));
    assertFalse(proxied.headers().getAll("set-cookie").stream().anyMatch(c -> c.startsWith("ss-tok") || c.startsWith("ss-reftok")));
    assertFalse(proxied.body().toString().contains(first));

    // The same token while it is fresh; a new one, minted on the server, once it nears expiry.
    assertEquals(200, http.get("/api/orders", jar.headers()).status());
    assertEquals(first, bearer(upstream));
    clock.advance(Duration.ofSeconds(TTL_SECONDS + 1));
    assertEquals(200, http.get("/api/orders", jar.headers()).status());
    String second = bearer(upstream);
    assertNotEquals(first, second);
    assertTrue(TestGateway.claims(second).getLong("exp") > TestGateway.claims(first).getLong("exp"));

    Http.Response me = http.get("/auth", jar.headers());
    assertEquals(200, me.status());
    assertEquals("alice", me.json().getString("userName"));
    JsonArray devices = http.get("/auth/sessions", jar.headers()).json().getJsonArray("sessions");
    assertEquals(1, devices.size());
    assertTrue(devices.getJsonObject(0).getBoolean("current"));

    Http.Response loggedOut = post(http, "/auth/logout", jar, null);
    assertEquals(200, loggedOut.status());
    assertEquals("0", CookieJar.attribute(CookieJar.setCookie(loggedOut, "ss-id"), "Max-Age"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
    int before = upstream.received().size();
    CookieJar stale = new CookieJar();
    stale.put("ss-id", sessionCookie.substring("ss-id=".length(), sessionCookie.indexOf(';')));
    assertEquals(401, http.get("/api/orders", stale.headers()).status());
    assertEquals(before, upstream.received().size(), "a route that needs a user never reaches its backend without one");
  }

  @Test
  void aSignInReplacesTheBrowsersPreviousSession(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();
    signIn(http, jar, "alice", "wonderland");
    String firstId = jar.get("ss-id");
    assertEquals(200, signIn(http, jar, "alice", "wonderland").status());
    assertNotEquals(firstId, jar.get("ss-id"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
    CookieJar old = new CookieJar();
    old.put("ss-id", firstId);
    assertEquals(401, http.get("/api/x", old.headers()).status());
  }

  @Test
  void aSessionSignInEndsTheTokensTheBrowserHad(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();
    signIn(http, jar, "alice", "wonderland");
    assertEquals(200, post(http, "/session-to-token", jar, new JsonObject().put("preserveSession", true)).status());
    assertNotNull(jar.get("ss-tok"));

    Http.Response bob = signIn(http, jar, "bob", "builder");
    assertEquals(200, bob.status());
    assertEquals("0", CookieJar.attribute(CookieJar.setCookie(bob, "ss-tok"), "Max-Age"));
    assertEquals("0", CookieJar.attribute(CookieJar.setCookie(bob, "ss-reftok"), "Max-Age"));
    assertEquals("bob", http.get("/auth", jar.headers()).json().getString("userName"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"), "alice's families ended");
  }

  @Test
  void aRefusedRefreshLeavesTheSessionAlone(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();
    signIn(http, jar, "alice", "wonderland");
    Http.Response refused = post(http, "/access-token", jar, null);
    assertEquals(401, refused.status());
    assertEquals(null, CookieJar.setCookie(refused, "ss-id"));
    assertEquals(200, http.get("/api/x", jar.headers()).status());
  }

  @Test
  void convertsASessionToTokensAndEndsIt(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();
    signIn(http, jar, "alice", "wonderland");
    String sessionId = jar.get("ss-id");

    Http.Response converted = post(http, "/session-to-token", jar, new JsonObject().put("meta", new JsonObject().put("k", "v")));
    assertEquals(200, converted.status(), converted.body().toString());
    assertEquals("no-store", converted.header("cache-control"));
    String accessToken = converted.json().getString("accessToken");
    assertEquals("1", TestGateway.claims(accessToken).getString("sub"));
    assertEquals("v", converted.json().getJsonObject("meta").getString("k"));
    assertEquals(accessToken, jar.get("ss-tok"));
    assertNotNull(jar.get("ss-reftok"));
    assertNull(jar.get("ss-id"), "the session cookie is cleared");
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"), "only the new family lives");

    // The old session is gone; the tokens work and refresh like a token-mode sign-in's.
    CookieJar old = new CookieJar();
    old.put("ss-id", sessionId);
    assertEquals(401, post(http, "/session-to-token", old, null).status());
    assertEquals(200, http.get("/api/x", jar.headers()).status());
    assertEquals(accessToken, bearer(upstream));
    assertEquals(200, post(http, "/access-token", jar, null).status());
  }

  @Test
  void preserveSessionKeepsTheSessionBesideTheNewTokens(Vertx vertx) throws Exception {
    Http http = start(vertx, "session");
    CookieJar jar = new CookieJar();
    signIn(http, jar, "bob", "builder");
    String sessionId = jar.get("ss-id");

    for (String path : new String[] {"/api/ConvertSessionToToken", "/json/reply/ConvertSessionToToken"}) {
      Http.Response converted = post(http, path, jar, new JsonObject().put("preserveSession", true));
      assertEquals(200, converted.status(), path);
      assertNull(CookieJar.setCookie(converted, "ss-id"), path);
    }
    assertEquals(sessionId, jar.get("ss-id"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
    assertEquals(3, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
    CookieJar sessionOnly = new CookieJar();
    sessionOnly.put("ss-id", sessionId);
    assertEquals(200, http.get("/api/x", sessionOnly.headers()).status());
  }

  @Test
  void convertingNeedsASessionAndASameSiteRequest(Vertx vertx) throws Exception {
    Http http = start(vertx, "tokens");
    CookieJar none = new CookieJar();
    Http.Response refused = post(http, "/session-to-token", none, null);
    assertEquals(401, refused.status());
    assertEquals("Not Authenticated", Http.responseStatus(refused).getString("message"));
    CookieJar made = new CookieJar();
    made.put("ss-id", "x".repeat(43));
    assertEquals(401, post(http, "/session-to-token", made, null).status());
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families"));

    Http.Response crossSite = http.send(HttpMethod.POST, "/session-to-token", made.headers()
      .add("origin", "https://evil.example").add("sec-fetch-site", "cross-site"), null).await();
    assertEquals(403, crossSite.status());
  }

  @Test
  void tokenModeSignInStillHandsOutTokensAndNoSession(Vertx vertx) throws Exception {
    Http http = start(vertx, "tokens");
    CookieJar jar = new CookieJar();
    Http.Response signedIn = signIn(http, jar, "alice", "wonderland");
    assertNotNull(signedIn.json().getString("bearerToken"));
    assertNotNull(jar.get("ss-tok"));
    assertNull(jar.get("ss-id"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
  }

  @Test
  void sessionsSurviveARestartOnSqlite(Vertx vertx) throws Exception {
    JsonObject config = config("session");
    Gateway first = TestGateway.start(vertx, config, clock).await();
    CookieJar jar = new CookieJar();
    signIn(http(vertx, first), jar, "alice", "wonderland");
    first.stop().await();

    Gateway second = TestGateway.start(vertx, config, clock).await();
    Http.Response proxied = http(vertx, second).get("/api/after-restart", jar.headers());
    assertEquals(200, proxied.status());
    assertEquals("1", TestGateway.claims(bearer(upstream)).getString("sub"));
  }

  @Test
  void aDisabledUsersSessionEnds(Vertx vertx) throws Exception {
    JsonObject config = config("session");
    Gateway first = TestGateway.start(vertx, config, clock).await();
    CookieJar jar = new CookieJar();
    signIn(http(vertx, first), jar, "bob", "builder");
    first.stop().await();
    // bob is disabled in the users file while the gateway is down.
    Path users = dir.resolve("users.json");
    JsonObject file = new JsonObject(java.nio.file.Files.readString(users));
    for (Object user : file.getJsonArray("users")) {
      if ("bob".equals(((JsonObject) user).getString("userName"))) {
        ((JsonObject) user).put("disabled", true);
      }
    }
    java.nio.file.Files.writeString(users, file.encode());

    Gateway second = TestGateway.start(vertx, config, clock).await();
    Http.Response refused = http(vertx, second).get("/api/x", jar.headers());
    assertEquals(401, refused.status());
    assertEquals("0", CookieJar.attribute(CookieJar.setCookie(refused, "ss-id"), "Max-Age"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM sessions"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
  }

  @Test
  void twoInstancesOnOneRedisShareSessionsDevicesAndRevocation(Vertx vertx) throws Exception {
    try (RedisServer redis = RedisServer.start(dir)) {
      twoInstancesShareSessionsDevicesAndRevocation(vertx, TestGateway.redisStore(config("session"), redis));
    }
  }

  @Test
  void twoInstancesOnRedisSentinelShareSessionsDevicesAndRevocation(Vertx vertx) throws Exception {
    try (RedisSentinelSetup redis = RedisSentinelSetup.start(dir)) {
      twoInstancesShareSessionsDevicesAndRevocation(vertx, TestGateway.redisStore(config("session"), redis));
    }
  }

  @Test
  void twoInstancesOnRedisClusterShareSessionsDevicesAndRevocation(Vertx vertx) throws Exception {
    try (RedisClusterSetup redis = RedisClusterSetup.start(dir)) {
      twoInstancesShareSessionsDevicesAndRevocation(vertx, TestGateway.redisStore(config("session"), redis));
    }
  }

  private void twoInstancesShareSessionsDevicesAndRevocation(Vertx vertx, JsonObject config) {
    Gateway a = TestGateway.start(vertx, config, clock).await();
    // One dataDir: B loads the signing key A generated, as instances sharing keys do.
    Gateway b = TestGateway.start(vertx, config, clock).await();
    Http onA = http(vertx, a);
    Http onB = http(vertx, b);

    CookieJar session = new CookieJar();
    assertEquals(200, signIn(onA, session, "alice", "wonderland").status());
    CookieJar tokens = new CookieJar();
    tokens.put("ss-id", session.get("ss-id"));
    Http.Response converted = post(onB, "/session-to-token", tokens, new JsonObject().put("preserveSession", true));
    assertEquals(200, converted.status(), converted.body().toString());
    String accessToken = converted.json().getString("accessToken");

    JsonArray devices = onA.get("/auth/sessions", session.headers()).json().getJsonArray("sessions");
    assertEquals(2, devices.size());
    assertEquals(1, devices.stream().filter(d -> ((JsonObject) d).getBoolean("current")).count());

    CookieJar stolen = new CookieJar();
    stolen.put("ss-tok", accessToken);
    assertEquals(200, onA.get("/api/before", stolen.headers()).status());
    clock.advance(Duration.ofSeconds(1));
    Http.Response everywhere = post(onB, "/auth/logout?everywhere=true", tokens, null);
    assertEquals(200, everywhere.status());

    // Within the revocation window (5 s by default) the stolen access token and the session stop working on A.
    clock.advance(Duration.ofSeconds(6));
    int before = upstream.received().size();
    assertEquals(401, onA.get("/api/after", stolen.headers()).status());
    assertEquals(401, onA.get("/api/after", session.headers()).status());
    assertEquals(before, upstream.received().size());
    assertEquals(401, onB.get("/auth/sessions", session.headers()).status());
  }
}
