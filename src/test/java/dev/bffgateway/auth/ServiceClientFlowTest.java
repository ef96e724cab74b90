package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKeys;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Clients that keep their tokens in memory instead of cookies, as ServiceStack's service clients do in bearer
 * mode: {@code cookies.refreshTokenCookie: false}, the refresh token in GetAccessToken's body, logout with only
 * the access token. Each refresh comes later than the grace window after the one before.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServiceClientFlowTest {
  private static final Duration PAST_GRACE = Duration.ofSeconds(11);

  private final MutableClock clock = MutableClock.atNow();
  private Vertx vertx;
  private Path dir;
  private RecordingUpstream upstream;
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    this.dir = dir;
    AuthFlowTest.writeUsers(dir, false);
    upstream = RecordingUpstream.start(vertx).await();
  }

  private JsonObject config(String rotate) {
    JsonObject config = TestGateway.config(dir, new JsonArray()
      .add(TestGateway.route("orders", "/orders", upstream.url()).put("auth", "required")));
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto").put("refreshTokenCookie", false));
    if (rotate != null) {
      config.put("refreshTokens", new JsonObject().put("rotate", rotate));
    }
    return config;
  }

  private Http start(JsonObject config) {
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    return new Http(vertx.createHttpClient(), gateway.port());
  }

  private void startGateway(String rotate) {
    http = start(config(rotate));
  }

  private Http.Response post(String path, String bearer, JsonObject body) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    if (bearer != null) {
      headers.add("authorization", "Bearer " + bearer);
    }
    return http.send(HttpMethod.POST, path, headers, body.toBuffer()).await();
  }

  /** A service client's sign-in: it keeps bearerToken and refreshToken from the body and drops every cookie. */
  private JsonObject signIn() {
    Http.Response signedIn = post("/json/reply/Authenticate", null, new JsonObject().put("userName", "bob").put("password", "builder"));
    assertEquals(200, signedIn.status());
    assertNotNull(signedIn.json().getString("refreshToken"));
    return signedIn.json();
  }

  private Http.Response refresh(String refreshToken) {
    return post("/json/reply/GetAccessToken", null, new JsonObject().put("refreshToken", refreshToken));
  }

  private int protectedCall(String bearer) {
    return http.get("/orders/1", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + bearer)).status();
  }

  private static void assertRefused(Http.Response refused) {
    assertEquals(401, refused.status());
    assertEquals("Refresh token is invalid", Http.responseStatus(refused).getString("message"));
  }

  @Test
  void aKeptRefreshTokenRefreshesPastEveryGraceWindow() {
    startGateway(null);
    String refreshToken = signIn().getString("refreshToken");
    for (int i = 0; i < 4; i++) {
      clock.advance(PAST_GRACE);
      Http.Response refreshed = refresh(refreshToken);
      assertEquals(200, refreshed.status(), "refresh " + i + ": " + refreshed.body());
      assertFalse(refreshed.json().containsKey("refreshToken"), "as ServiceStack's GetAccessTokenResponse: no successor");
      assertEquals(200, protectedCall(refreshed.json().getString("accessToken")), "refresh " + i);
    }
  }

  @Test
  void aBearerOnlyLogoutEndsTheSignIn() {
    startGateway(null);
    JsonObject signedIn = signIn();
    String bearer = signedIn.getString("bearerToken");
    assertEquals(200, protectedCall(bearer));

    Http.Response loggedOut = post("/json/reply/Authenticate", bearer, new JsonObject().put("provider", "logout"));
    assertEquals(200, loggedOut.status());
    assertRefused(refresh(signedIn.getString("refreshToken")));
    assertEquals(401, protectedCall(bearer), "the logged-out device's access token is refused too");
  }

  @Test
  void bearerOnlyLogoutWorksAtEveryLogoutRoute() {
    startGateway(null);
    for (HttpMethod method : new HttpMethod[]{HttpMethod.GET, HttpMethod.POST}) {
      JsonObject signedIn = signIn();
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + signedIn.getString("bearerToken"));
      assertEquals(200, http.send(method, "/auth/logout", headers, null).await().status(), method.name());
      assertRefused(refresh(signedIn.getString("refreshToken")));
    }
    JsonObject other = signIn();
    assertEquals(200, post("/auth/logout", other.getString("bearerToken"), new JsonObject()).status());
    assertRefused(refresh(other.getString("refreshToken")));
  }

  @Test
  void aKeptTokenAndItsLogoutHoldOnEveryInstanceOfARedisStore() throws Exception {
    try (RedisServer redis = RedisServer.start(dir)) {
      TokenKeys.generate(JwsAlgorithm.ES256, dir.resolve("key.pem"));
      JsonObject config = TestGateway.redisStore(config(null), redis)
        .put("tokens", new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("pem", dir.resolve("key.pem").toString()))));
      Http a = start(config);
      Http b = start(config);
      http = a;
      JsonObject signedIn = signIn();
      String refreshToken = signedIn.getString("refreshToken");
      for (Http instance : List.of(b, a, b)) {
        clock.advance(PAST_GRACE);
        http = instance;
        Http.Response refreshed = refresh(refreshToken);
        assertEquals(200, refreshed.status(), refreshed.body().toString());
        assertFalse(refreshed.json().containsKey("refreshToken"));
      }
      http = a;
      assertEquals(200, protectedCall(signedIn.getString("bearerToken")));

      http = b;
      assertEquals(200, post("/json/reply/Authenticate", signedIn.getString("bearerToken"), new JsonObject().put("provider", "logout")).status());
      http = a;
      assertRefused(refresh(refreshToken));
      clock.advance(Duration.ofSeconds(6));
      assertEquals(401, protectedCall(signedIn.getString("bearerToken")), "instance a learns of the logout within revocationCheckSeconds");
    }
  }

  @Test
  void rotateAlwaysHandsBackASuccessorThatTheClientMustFollow() {
    startGateway("always");
    String refreshToken = signIn().getString("refreshToken");
    for (int i = 0; i < 4; i++) {
      clock.advance(PAST_GRACE);
      Http.Response refreshed = refresh(refreshToken);
      assertEquals(200, refreshed.status(), "refresh " + i + ": " + refreshed.body());
      String successor = refreshed.json().getString("refreshToken");
      assertNotNull(successor, "refresh " + i);
      assertNotEquals(refreshToken, successor);
      assertNotNull(refreshed.json().getString("refreshTokenExpiry"));
      assertEquals(200, protectedCall(refreshed.json().getString("accessToken")), "refresh " + i);
      refreshToken = successor;
    }
    String current = refreshToken;
    Http.Response lastOne = refresh(current);
    assertEquals(200, lastOne.status());
    clock.advance(PAST_GRACE);
    assertRefused(refresh(current));
    assertRefused(refresh(lastOne.json().getString("refreshToken")));
  }

  @Test
  void aLoggedOutRefreshTokenCannotLogOutEverywhere() {
    startGateway(null);
    JsonObject laptop = signIn();
    assertEquals(200, post("/auth/logout", null, new JsonObject().put("refreshToken", laptop.getString("refreshToken"))).status());
    JsonObject phone = signIn();

    assertEquals(200, post("/auth/logout?everywhere=true", null, new JsonObject().put("refreshToken", laptop.getString("refreshToken"))).status());
    assertEquals(200, post("/auth/logout?everywhere=true", laptop.getString("bearerToken"), new JsonObject()).status());
    assertEquals(200, refresh(phone.getString("refreshToken")).status(), "the new device is still signed in");
    assertEquals(200, protectedCall(phone.getString("bearerToken")));

    assertEquals(200, post("/auth/logout?everywhere=true", phone.getString("bearerToken"), new JsonObject()).status());
    assertRefused(refresh(phone.getString("refreshToken")));
  }

  @Test
  void cookieClientsStillRotateAndDetectReuse() {
    JsonObject config = TestGateway.config(dir, new JsonArray());
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
    CookieJar jar = new CookieJar();
    jar.update(post("/auth", null, new JsonObject().put("userName", "bob").put("password", "builder")));
    String first = jar.get("ss-reftok");
    Http.Response refreshed = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
    assertEquals(200, refreshed.status());
    jar.update(refreshed);
    assertNotEquals(first, jar.get("ss-reftok"), "the cookie rotates");

    clock.advance(PAST_GRACE);
    MultiMap replay = MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=" + first);
    assertRefused(http.send(HttpMethod.POST, "/access-token", replay, null).await());
    assertRefused(http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await());
  }
}
