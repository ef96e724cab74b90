package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.credentials.PasswordHash;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.LogCapture;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.bffgateway.support.CookieJar.setCookie;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routes with auth optional/required against a real upstream that records what it received. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class AuthenticatedProxyTest {
  private static final String TRUSTED = "https://trusted.example";
  private static final String ALLOWED_ORIGIN = "http://localhost:5173";

  private final MutableClock clock = MutableClock.atNow();
  private RecordingUpstream upstream;
  private Http http;
  private Path dir;
  private Vertx vertx;
  private WebSocketClient webSockets;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    this.dir = dir;
    dev.bffgateway.auth.AuthFlowTestSupport.writeUsers(dir);
    upstream = RecordingUpstream.start(vertx).await();
    upstream.handler(request -> upstream.record(request).onSuccess(r -> request.response()
      .putHeader("access-control-allow-origin", "*").putHeader("cache-control", "public, max-age=60").end("ok")));
    http = startGateway(new JsonObject());
  }

  private Http startGateway(JsonObject csrf) {
    String url = upstream.url();
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("api", "/api", url).put("auth", "required"))
      .add(TestGateway.route("opt", "/opt", url).put("auth", "optional"))
      .add(TestGateway.route("admin", "/admin", url).put("auth", "required").put("roles", new JsonArray().add("Admin")))
      .add(TestGateway.route("perm", "/perm", url).put("auth", "required").put("permissions", new JsonArray().add("orders.read")))
      .add(TestGateway.route("ident", "/ident", url).put("auth", "required").put("identityHeaders", true))
      .add(TestGateway.route("orders", "/orders", url).put("auth", "required")
        .put("upstreamToken", new JsonObject().put("audience", "orders-api").put("ttlSeconds", 60)))
      .add(TestGateway.route("public", "/public", url))
      .add(TestGateway.route("ws", "/ws", url).put("auth", "required").put("websocket", true));
    JsonObject config = TestGateway.config(dir, routes);
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.put("csrf", new JsonObject().put("trustedOrigins", new JsonArray().add(TRUSTED)).mergeIn(csrf));
    config.put("cors", new JsonObject().put("allowedOrigins", new JsonArray().add(ALLOWED_ORIGIN)));
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    return new Http(vertx.createHttpClient(), gateway.port());
  }

  private CookieJar signIn(String user, String password) {
    CookieJar jar = new CookieJar();
    // X-CSRF matters only where csrf.requireHeader asks for it, which covers sign-in too.
    Http.Response response = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
      .add("x-csrf", "1"), new JsonObject().put("userName", user).put("password", password).toBuffer()).await();
    assertEquals(200, response.status());
    jar.update(response);
    return jar;
  }

  private Http.Response call(HttpMethod method, String path, MultiMap headers) {
    return http.send(method, path, headers, method == HttpMethod.GET ? null : Buffer.buffer("{}")).await();
  }

  private static MultiMap with(MultiMap headers, String name, String value) {
    return MultiMap.caseInsensitiveMultiMap().addAll(headers).add(name, value);
  }

  @Test
  void injectsTheVerifiedTokenAndStripsTheGatewaysCookies() {
    CookieJar jar = signIn("alice", "wonderland");
    MultiMap headers = jar.headers();
    headers.set("cookie", headers.get("cookie") + "; theme=dark");

    assertEquals(200, call(HttpMethod.GET, "/api/orders", headers).status());
    MultiMap seen = upstream.last().headers();
    assertEquals("Bearer " + jar.get("ss-tok"), seen.get("authorization"));
    assertEquals("theme=dark", seen.get("cookie"), "the app's own cookies pass, the gateway's do not");

    MultiMap bearerOnly = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + jar.get("ss-tok"));
    assertEquals(200, call(HttpMethod.GET, "/api/orders", bearerOnly).status());
    assertEquals("Bearer " + jar.get("ss-tok"), upstream.last().headers().get("authorization"));
    assertNull(upstream.last().headers().get("cookie"), "an empty Cookie header is dropped");
  }

  @Test
  void aGatewayCookieIsReadAndStrippedAlikeHoweverItIsSpaced() {
    CookieJar jar = signIn("alice", "wonderland");
    MultiMap spaced = MultiMap.caseInsensitiveMultiMap().add("cookie", "theme=dark;; ss-tok = " + jar.get("ss-tok") + " ;lang=en");

    assertEquals(200, call(HttpMethod.GET, "/api/orders", spaced).status(), "the token cookie authenticates");
    MultiMap seen = upstream.last().headers();
    assertEquals("Bearer " + jar.get("ss-tok"), seen.get("authorization"));
    assertEquals("theme=dark; lang=en", seen.get("cookie"), "and does not reach the upstream");
  }

  @Test
  void requiredRoutesRefuseAnonymousCallersBeforeTheUpstream() {
    Http.Response anonymous = call(HttpMethod.GET, "/api/orders", MultiMap.caseInsensitiveMultiMap());
    assertEquals(401, anonymous.status());
    assertEquals("Bearer", anonymous.header("www-authenticate"));
    assertEquals("Unauthorized", anonymous.json().getJsonObject("responseStatus").getString("errorCode"));
    Http.Response forged = call(HttpMethod.POST, "/api/orders", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer a.b.c"));
    assertEquals(401, forged.status());
    assertTrue(upstream.received().isEmpty(), "the upstream saw " + upstream.received());

    assertEquals(200, call(HttpMethod.GET, "/opt/x", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer a.b.c")).status());
    assertNull(upstream.last().headers().get("authorization"), "optional: anonymous, and the invalid token is not passed on");
  }

  @Test
  void rolesAndPermissionsAreAllRequired() {
    CookieJar bob = signIn("bob", "builder");
    Http.Response notAdmin = call(HttpMethod.GET, "/admin/x", bob.headers());
    assertEquals(403, notAdmin.status());
    assertEquals("Invalid Role", notAdmin.json().getJsonObject("responseStatus").getString("message"));
    assertEquals(403, call(HttpMethod.GET, "/perm/x", bob.headers()).status());
    assertTrue(upstream.received().isEmpty());

    CookieJar alice = signIn("alice", "wonderland");
    assertEquals(200, call(HttpMethod.GET, "/admin/x", alice.headers()).status());
    assertEquals(200, call(HttpMethod.GET, "/perm/x", alice.headers()).status());
  }

  @Test
  void anExpiredAccessTokenIsRefreshedTransparently() {
    CookieJar jar = signIn("alice", "wonderland");
    String oldAccess = jar.get("ss-tok");
    String oldRefresh = jar.get("ss-reftok");
    clock.advance(Duration.ofSeconds(900 + 31));

    Http.Response response = call(HttpMethod.GET, "/api/orders", jar.headers());
    assertEquals(200, response.status());
    jar.update(response);
    assertNotNull(setCookie(response, "ss-tok"));
    assertNotNull(setCookie(response, "ss-reftok"));
    assertNotEquals(oldAccess, jar.get("ss-tok"));
    assertNotEquals(oldRefresh, jar.get("ss-reftok"));
    assertEquals("Bearer " + jar.get("ss-tok"), upstream.last().headers().get("authorization"), "the upstream got the new token");
    assertEquals("no-store", response.header("cache-control"), "a response carrying new tokens is never cached");
    assertEquals("public, max-age=60", call(HttpMethod.GET, "/api/orders", jar.headers()).header("cache-control"),
      "without new tokens the upstream's caching stands");
  }

  @Test
  void fiftyConcurrentRequestsRefreshOnceAndRevokeNothing() throws Exception {
    CookieJar jar = signIn("alice", "wonderland");
    clock.advance(Duration.ofSeconds(900 + 31));
    List<Future<Http.Response>> responses = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      responses.add(http.send(HttpMethod.GET, "/api/n" + i, jar.headers(), null));
    }
    Future.all(responses).await();
    for (Future<Http.Response> response : responses) {
      assertEquals(200, response.result().status());
    }
    assertEquals(50, upstream.received().size());
    assertEquals(2, TestGateway.count(dir, "SELECT COUNT(*) FROM refresh_tokens"), "the sign-in's token and exactly one successor");
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM refresh_tokens WHERE rotated_at IS NOT NULL"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));
  }

  @Test
  void afterLogoutTheSameCookiesGet401() {
    CookieJar jar = signIn("alice", "wonderland");
    MultiMap stolen = jar.headers();
    assertEquals(200, http.send(HttpMethod.POST, "/auth/logout", stolen, null).await().status());
    clock.advance(Duration.ofSeconds(900 + 31));
    assertEquals(401, call(HttpMethod.GET, "/api/orders", stolen).status());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void mintsAShortLivedTokenForTheRoutesAudienceAndReusesIt() {
    CookieJar jar = signIn("alice", "wonderland");
    call(HttpMethod.GET, "/orders/1", jar.headers());
    String first = upstream.last().headers().get("authorization").substring(7);
    call(HttpMethod.GET, "/orders/2", jar.headers());
    String second = upstream.last().headers().get("authorization").substring(7);

    assertEquals(first, second, "cached per user and audience");
    assertNotEquals(jar.get("ss-tok"), first, "the browser's token never reaches this upstream");
    JsonObject claims = TestGateway.claims(first);
    assertEquals("orders-api", claims.getString("aud"));
    assertEquals("1", claims.getString("sub"));
    assertEquals(claims.getLong("iat") + 60, claims.getLong("exp"));
    assertEquals(new JsonArray().add("Admin"), claims.getJsonArray("roles"));

    int before = upstream.received().size();
    Http.Response replayed = call(HttpMethod.GET, "/api/x", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + first));
    assertEquals(401, replayed.status(), "a token minted for an upstream is not a user token at the gateway");
    assertEquals(before, upstream.received().size());
    // This gateway has no tokens.audience: its own tokens carry no aud, and one that has an aud is someone else's.
    Http.Response asCurrentUser = call(HttpMethod.GET, "/auth", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + first));
    assertEquals(401, asCurrentUser.status());
    assertEquals("Token is invalid", Http.responseStatus(asCurrentUser).getString("message"));
  }

  @Test
  void anIdentityThatCannotBeAHeaderIsAnErrorNotAHang() throws Exception {
    // A role with a line break: Vert.x refuses it as a header value, which used to leave the request unanswered.
    Path users = dir.resolve("users.json");
    JsonObject file = new JsonObject(Files.readString(users));
    file.getJsonArray("users").add(new JsonObject().put("id", "4").put("userName", "dave")
      .put("passwordHash", PasswordHash.create("pw".toCharArray(), 1000)).put("roles", new JsonArray().add("Ops\r\nx-admin: yes")));
    Files.writeString(users, file.encode());
    http = startGateway(new JsonObject());
    CookieJar jar = signIn("dave", "pw");
    int before = upstream.received().size();
    try (LogCapture log = LogCapture.of(ErrorResponses.class)) {
      Http.Response refused = call(HttpMethod.GET, "/ident/x", jar.headers());
      assertEquals(500, refused.status());
      assertEquals("InternalServerError", refused.json().getJsonObject("responseStatus").getString("errorCode"));
      assertFalse(refused.body().toString().contains("x-admin"), "no detail of the fault reaches the client");
      assertEquals(before, upstream.received().size(), "the upstream never got the request");
      assertEquals(200, call(HttpMethod.GET, "/api/x", jar.headers()).status(), "routes without identity headers still serve dave");

      // The same fault after a transparent refresh, which completes later, outside the front door's guard.
      clock.advance(Duration.ofSeconds(900 + 31));
      Http.Response afterRefresh = call(HttpMethod.GET, "/ident/x", jar.headers());
      assertEquals(500, afterRefresh.status());
      assertNotNull(setCookie(afterRefresh, "ss-reftok"), "the rotated refresh token still reaches the browser");
      jar.update(afterRefresh);
      assertEquals(200, call(HttpMethod.GET, "/api/x", jar.headers()).status(), "and works");
      assertEquals(before + 2, upstream.received().size());
      assertEquals(List.of("ERROR request failed: an identity value cannot be sent as a header",
        "ERROR request failed: an identity value cannot be sent as a header"), log.warnings(), "a fault of the gateway: logged as one");
    }
  }

  @Test
  void identityHeadersAreTheGatewaysOnly() {
    CookieJar jar = signIn("alice", "wonderland");
    MultiMap spoofed = with(with(jar.headers(), "x-user-id", "999"), "x-user-roles", "Admin,Root");
    call(HttpMethod.GET, "/ident/x", spoofed);
    assertEquals("1", upstream.last().headers().get("x-user-id"));
    assertEquals("alice", upstream.last().headers().get("x-user-name"));
    assertEquals("Admin", upstream.last().headers().get("x-user-roles"));

    call(HttpMethod.GET, "/api/x", spoofed);
    assertNull(upstream.last().headers().get("x-user-id"), "removed where the route does not set them");
    assertNull(upstream.last().headers().get("x-user-roles"));
    call(HttpMethod.GET, "/public/x", with(spoofed, "authorization", "Basic dXNlcjpwYXNz"));
    assertNull(upstream.last().headers().get("x-user-id"));
    assertEquals("Basic dXNlcjpwYXNz", upstream.last().headers().get("authorization"), "auth: none leaves Authorization alone");
    assertNull(upstream.last().headers().get("cookie"), "but strips the gateway's cookies");
  }

  @Test
  void csrfMatrixForCookieAuthenticatedRequests() {
    MultiMap cookies = signIn("alice", "wonderland").headers();
    String self = "http://127.0.0.1:" + http.port();
    for (HttpMethod method : List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE)) {
      assertEquals(200, call(method, "/api/x", with(cookies, "sec-fetch-site", "same-origin")).status(), method + " same-origin");
      assertEquals(200, call(method, "/api/x", with(cookies, "sec-fetch-site", "none")).status(), method + " none");
      assertEquals(403, call(method, "/api/x", with(with(cookies, "sec-fetch-site", "cross-site"), "origin", "https://evil.example")).status(),
        method + " cross-site");
      assertEquals(403, call(method, "/api/x", with(with(cookies, "sec-fetch-site", "same-site"), "origin", "https://sub.evil.example")).status(),
        method + " same-site");
      assertEquals(200, call(method, "/api/x", with(with(cookies, "sec-fetch-site", "cross-site"), "origin", TRUSTED)).status(),
        method + " trusted");
      assertEquals(200, call(method, "/api/x", cookies).status(), method + " no metadata, no Origin");
      assertEquals(200, call(method, "/api/x", with(cookies, "origin", self)).status(), method + " Origin is the host");
      assertEquals(403, call(method, "/api/x", with(cookies, "origin", "https://evil.example")).status(), method + " foreign Origin");
    }
    Http.Response refused = call(HttpMethod.POST, "/api/x", with(cookies, "origin", "https://evil.example"));
    assertEquals("Cross-site request refused", refused.json().getJsonObject("responseStatus").getString("message"));
    assertEquals(200, call(HttpMethod.GET, "/api/x", with(with(cookies, "sec-fetch-site", "cross-site"), "origin", "https://evil.example")).status(),
      "safe methods pass");
    String bearer = cookies.get("cookie").replaceAll(".*ss-tok=([^;]+).*", "$1");
    assertEquals(200, call(HttpMethod.POST, "/api/x", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + bearer)
      .add("sec-fetch-site", "cross-site").add("origin", "https://evil.example")).status(), "Bearer requests are exempt");

    Http.Response loginCsrf = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
      .add("sec-fetch-site", "cross-site").add("origin", "https://evil.example"),
      new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await();
    assertEquals(403, loginCsrf.status(), "sign-in is covered too");
    assertEquals(403, http.send(HttpMethod.POST, "/access-token", with(with(cookies, "sec-fetch-site", "cross-site"), "origin", "https://evil.example"),
      null).await().status(), "refresh too");
    assertEquals(403, http.send(HttpMethod.POST, "/access-token", with(with(with(cookies, "sec-fetch-site", "cross-site"), "origin",
      "https://evil.example"), "authorization", "Basic dXNlcjpwYXNz"), null).await().status(), "an Authorization header does not exempt it");
  }

  @Test
  void aRequiredCustomHeaderOnTop() {
    http = startGateway(new JsonObject().put("requireHeader", "X-CSRF: 1"));
    MultiMap cookies = signIn("alice", "wonderland").headers();
    assertEquals(403, call(HttpMethod.POST, "/api/x", with(cookies, "sec-fetch-site", "same-origin")).status());
    assertEquals(200, call(HttpMethod.POST, "/api/x", with(with(cookies, "sec-fetch-site", "same-origin"), "x-csrf", "1")).status());
  }

  @Test
  void corsPreflightsAreAnsweredByTheGateway() {
    Http.Response preflight = http.send(HttpMethod.OPTIONS, "/api/x", MultiMap.caseInsensitiveMultiMap().add("origin", ALLOWED_ORIGIN)
      .add("access-control-request-method", "POST").add("access-control-request-headers", "content-type"), null).await();
    assertEquals(204, preflight.status());
    assertEquals(ALLOWED_ORIGIN, preflight.header("access-control-allow-origin"));
    assertEquals("true", preflight.header("access-control-allow-credentials"));
    assertTrue(preflight.header("access-control-allow-methods").contains("POST"));
    assertTrue(preflight.header("access-control-allow-headers").contains("Content-Type"));
    assertEquals("600", preflight.header("access-control-max-age"));
    assertEquals(403, http.send(HttpMethod.OPTIONS, "/api/x", MultiMap.caseInsensitiveMultiMap().add("origin", "https://evil.example")
      .add("access-control-request-method", "POST"), null).await().status());
    assertTrue(upstream.received().isEmpty(), "preflights never reach the upstream");

    MultiMap cookies = signIn("alice", "wonderland").headers();
    Http.Response actual = call(HttpMethod.GET, "/api/x", with(cookies, "origin", ALLOWED_ORIGIN));
    assertEquals(200, actual.status());
    assertEquals(List.of(ALLOWED_ORIGIN), actual.headers().getAll("access-control-allow-origin"), "the upstream's * is replaced");
    assertEquals("true", actual.header("access-control-allow-credentials"));
    assertTrue(actual.header("access-control-expose-headers").contains("X-Cookies"));
    Http.Response signIn = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
      .add("origin", ALLOWED_ORIGIN).add("sec-fetch-site", "cross-site"),
      new JsonObject().put("userName", "bob").put("password", "builder").toBuffer()).await();
    assertEquals(403, signIn.status(), "CORS allows reading responses; it does not make a cross-site sign-in trusted");
    assertEquals(ALLOWED_ORIGIN, signIn.header("access-control-allow-origin"));
  }

  @Test
  void webSocketUpgradesAreAuthenticatedBeforeTheUpgrade(io.vertx.junit5.VertxTestContext test) {
    webSockets = vertx.createWebSocketClient();
    CookieJar jar = signIn("alice", "wonderland");
    WebSocketConnectOptions anonymous = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(http.port()).setURI("/ws/echo");
    WebSocketConnectOptions withCookie = new WebSocketConnectOptions(anonymous.toJson()).addHeader("cookie", jar.headers().get("cookie"))
      .addHeader("origin", "http://127.0.0.1:" + http.port());
    WebSocketConnectOptions crossSite = new WebSocketConnectOptions(anonymous.toJson()).addHeader("cookie", jar.headers().get("cookie"))
      .addHeader("origin", "https://evil.example");
    webSockets.connect(anonymous)
      .transform(refused -> {
        test.verify(() -> {
          assertTrue(refused.failed());
          assertTrue(refused.cause().getMessage().contains("401"), refused.cause().getMessage());
        });
        return webSockets.connect(crossSite);
      })
      .transform(refused -> {
        test.verify(() -> {
          assertTrue(refused.failed());
          assertTrue(refused.cause().getMessage().contains("403"), refused.cause().getMessage());
          assertTrue(upstream.received().isEmpty(), "no refused upgrade reached the upstream");
        });
        return webSockets.connect(withCookie);
      })
      .onComplete(test.succeeding(socket -> {
        socket.textMessageHandler(message -> test.verify(() -> {
          assertEquals("hello", message);
          assertEquals("Bearer " + jar.get("ss-tok"), upstream.last().headers().get("authorization"));
          assertFalse(upstream.last().headers().get("cookie") != null && upstream.last().headers().get("cookie").contains("ss-tok"));
          test.completeNow();
        }));
        socket.writeTextMessage("hello");
      }));
  }

}
