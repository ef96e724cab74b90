package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.credentials.PasswordHash;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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
import java.util.List;

import static dev.bffgateway.support.CookieJar.attribute;
import static dev.bffgateway.support.CookieJar.setCookie;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ServiceStack-compatible sign-in, refresh and logout flows against a real gateway on the SQLite store. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class AuthFlowTest {
  private final MutableClock clock = MutableClock.atNow();
  private Vertx vertx;
  private Path dir;
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    this.dir = dir;
    writeUsers(dir, false);
    http = startGateway(config(new JsonObject()));
  }

  static void writeUsers(Path dir, boolean aliceDisabled) throws Exception {
    // Few iterations: these tests sign in often. Their configurations say so (hashIterations), or the first
    // sign-in would re-hash each user at the default cost. The default count is covered by the password hash tests.
    JsonArray users = new JsonArray()
      .add(user("1", "alice", "wonderland", "Alice Liddell", List.of("Admin"), List.of("orders.read")).put("email", "alice@example.com")
        .put("disabled", aliceDisabled))
      .add(user("2", "bob", "builder", "Bob", List.of("User"), List.of()))
      .add(user("3", "carol", "locked-out", "Carol", List.of(), List.of()).put("disabled", true));
    Files.writeString(dir.resolve("users.json"), new JsonObject().put("users", users).encodePrettily());
  }

  private static JsonObject user(String id, String name, String password, String displayName, List<String> roles, List<String> perms) {
    return new JsonObject().put("id", id).put("userName", name).put("passwordHash", PasswordHash.create(password.toCharArray(), 1000))
      .put("displayName", displayName).put("roles", new JsonArray(roles)).put("permissions", new JsonArray(perms));
  }

  /** A gateway config with the test users, the SQLite store and cookies that work over loopback http. */
  private JsonObject config(JsonObject cookies) {
    JsonObject config = TestGateway.config(dir, new JsonArray());
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000).put("maxFailures", 3)
      .put("failureWindowSeconds", 600));
    config.put("cookies", new JsonObject().put("secure", "auto").mergeIn(cookies));
    config.getJsonObject("server").put("maxBodyBytes", 2048);
    return config;
  }

  private Http startGateway(JsonObject config) {
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    return new Http(vertx.createHttpClient(), gateway.port());
  }

  private Http.Response post(String path, MultiMap headers, JsonObject body) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    if (headers != null) {
      all.addAll(headers);
    }
    return http.send(HttpMethod.POST, path, all, body == null ? null : body.toBuffer()).await();
  }

  private Http.Response signIn(String path, String userName, String password, CookieJar jar) {
    Http.Response response = post(path, null, new JsonObject().put("userName", userName).put("password", password));
    if (jar != null) {
      jar.update(response);
    }
    return response;
  }

  @Test
  void signInAnswersWithTheAccessTokenAndBothCookies() {
    CookieJar jar = new CookieJar();
    Http.Response response = signIn("/auth/credentials", "Alice", "wonderland", jar);

    assertEquals(200, response.status());
    JsonObject body = response.json();
    assertEquals("1", body.getString("userId"));
    assertEquals("alice", body.getString("userName"));
    assertEquals("Alice Liddell", body.getString("displayName"));
    assertEquals(new JsonArray().add("Admin"), body.getJsonArray("roles"));
    assertEquals(new JsonArray().add("orders.read"), body.getJsonArray("permissions"));
    assertFalse(body.containsKey("refreshToken"), "the refresh token is only in its HttpOnly cookie");
    assertFalse(body.containsKey("sessionId"), "null fields are left out");
    String bearer = body.getString("bearerToken");
    assertEquals(bearer, jar.get("ss-tok"));
    assertEquals("1", TestGateway.claims(bearer).getString("sub"));
    assertEquals("ss-tok,ss-reftok", response.header("x-cookies"));
    assertEquals("no-store", response.header("cache-control"));

    String access = setCookie(response, "ss-tok");
    assertEquals("", attribute(access, "HttpOnly"));
    assertEquals("/", attribute(access, "Path"));
    assertEquals("Lax", attribute(access, "SameSite"));
    assertEquals("900", attribute(access, "Max-Age"));
    assertEquals("-", attribute(access, "Secure"), "secure: auto drops Secure for plain http from loopback only");
    assertEquals("-", attribute(access, "Domain"));
    String refresh = setCookie(response, "ss-reftok");
    assertEquals("", attribute(refresh, "HttpOnly"));
    assertEquals(Long.toString(14 * 86_400), attribute(refresh, "Max-Age"));
    assertTrue(jar.get("ss-reftok").matches("[A-Za-z0-9_-]{43}"));
  }

  @Test
  void refreshWithTheCookieAloneRotatesIt() {
    CookieJar jar = new CookieJar();
    signIn("/auth", "alice", "wonderland", jar);
    String first = jar.get("ss-reftok");

    clock.advance(Duration.ofSeconds(60));
    Http.Response refreshed = post("/access-token", jar.headers(), null);
    jar.update(refreshed);

    assertEquals(200, refreshed.status());
    String accessToken = refreshed.json().getString("accessToken");
    assertEquals("1", TestGateway.claims(accessToken).getString("sub"));
    assertEquals(accessToken, jar.get("ss-tok"));
    assertNotEquals(first, jar.get("ss-reftok"), "rotated");
    assertEquals("no-store", refreshed.header("cache-control"));
  }

  @Test
  void theOldRefreshTokenGetsGraceThenRevokesTheFamily() {
    CookieJar jar = new CookieJar();
    signIn("/auth", "alice", "wonderland", jar);
    String old = jar.get("ss-reftok");
    jar.update(post("/access-token", jar.headers(), null));
    String current = jar.get("ss-reftok");

    clock.advance(Duration.ofSeconds(10));
    Http.Response grace = post("/access-token", null, new JsonObject().put("refreshToken", old));
    assertEquals(200, grace.status());
    assertNotNull(grace.json().getString("accessToken"));
    assertNull(setCookie(grace, "ss-reftok"), "no new refresh token: the browser already has the successor");
    assertNotNull(setCookie(grace, "ss-tok"));

    clock.advance(Duration.ofSeconds(1));
    Http.Response reused = post("/access-token", null, new JsonObject().put("refreshToken", old));
    assertRefreshRefused(reused);
    CookieJar currentJar = new CookieJar();
    currentJar.put("ss-reftok", current);
    assertRefreshRefused(post("/access-token", currentJar.headers(), null));
  }

  private static void assertRefreshRefused(Http.Response response) {
    assertEquals(401, response.status());
    assertEquals(new JsonObject().put("responseStatus", new JsonObject().put("errorCode", "Unauthorized")
      .put("message", "Refresh token is invalid").put("errors", new JsonArray())), response.json());
    assertEquals("0", attribute(setCookie(response, "ss-tok"), "Max-Age"), "both cookies are cleared");
    assertEquals("0", attribute(setCookie(response, "ss-reftok"), "Max-Age"));
  }

  @Test
  void logoutClearsEveryCookieAndRevokesTheFamily() throws Exception {
    CookieJar jar = new CookieJar();
    signIn("/auth", "alice", "wonderland", jar);
    CookieJar stolen = new CookieJar();
    stolen.put("ss-reftok", jar.get("ss-reftok"));

    Http.Response logout = http.send(HttpMethod.POST, "/auth/logout", jar.headers(), null).await();
    assertEquals(200, logout.status());
    assertEquals(new JsonObject(), logout.json());
    for (String name : List.of("ss-tok", "ss-reftok", "ss-id")) {
      String cleared = setCookie(logout, name);
      assertTrue(cleared.startsWith(name + "=;"), cleared);
      assertEquals("0", attribute(cleared, "Max-Age"));
    }
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));
    assertRefreshRefused(post("/access-token", stolen.headers(), null));

    assertEquals(200, http.send(HttpMethod.POST, "/auth/logout", stolen.headers(), null).await().status(), "idempotent");
    assertEquals(200, http.get("/auth/logout").status(), "without cookies too");
    Http.Response crossSite = http.get("/auth/logout", MultiMap.caseInsensitiveMultiMap().add("sec-fetch-site", "cross-site")
      .add("origin", "https://evil.example"));
    assertEquals(403, crossSite.status(), "a cross-site link cannot log anybody out");
  }

  @Test
  void refreshTokenTravelsInTheBodyWhenRefreshCookiesAreOff() {
    // Rotated, as clients that follow the successor ask for: ServiceStack's own keep theirs (ServiceClientFlowTest).
    http = startGateway(config(new JsonObject().put("refreshTokenCookie", false))
      .put("refreshTokens", new JsonObject().put("rotate", "always")));
    Http.Response signedIn = signIn("/api/Authenticate", "bob", "builder", null);
    assertEquals(200, signedIn.status());
    String refreshToken = signedIn.json().getString("refreshToken");
    assertNotNull(refreshToken);
    assertNotNull(signedIn.json().getString("refreshTokenExpiry"));
    assertNull(setCookie(signedIn, "ss-reftok"));
    assertEquals("ss-tok", signedIn.header("x-cookies"));

    Http.Response refreshed = post("/api/GetAccessToken", null, new JsonObject().put("refreshToken", refreshToken));
    assertEquals(200, refreshed.status());
    assertNotEquals(refreshToken, refreshed.json().getString("refreshToken"));
    assertNotNull(refreshed.json().getString("accessToken"));
  }

  @Test
  void everyServiceStackRouteAnswers() {
    for (String path : List.of("/auth", "/auth/credentials", "/api/Authenticate", "/json/reply/Authenticate")) {
      assertEquals(200, signIn(path, "bob", "builder", null).status(), path);
    }
    CookieJar jar = new CookieJar();
    String bearer = signIn("/auth", "bob", "builder", jar).json().getString("bearerToken");
    for (String path : List.of("/auth", "/api/Authenticate", "/json/reply/Authenticate")) {
      Http.Response byHeader = http.get(path, MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + bearer));
      assertEquals(200, byHeader.status(), path);
      assertEquals("bob", byHeader.json().getString("userName"));
      assertFalse(byHeader.json().containsKey("bearerToken"), "the current user comes without tokens");
      assertEquals(200, http.get(path, jar.headers()).status(), path + " with the cookie");
    }
    for (String path : List.of("/access-token", "/api/GetAccessToken", "/json/reply/GetAccessToken")) {
      Http.Response refreshed = post(path, jar.headers(), null);
      assertEquals(200, refreshed.status(), path);
      jar.update(refreshed);
    }
    Http.Response anonymous = http.get("/auth");
    assertEquals(401, anonymous.status());
    assertEquals("Bearer", anonymous.header("www-authenticate"));
    assertEquals(200, post("/auth", jar.headers(), new JsonObject().put("provider", "logout")).status());
    assertRefreshRefused(post("/access-token", jar.headers(), null));
    assertEquals(404, post("/auth/github", null, new JsonObject()).status());
  }

  @Test
  void errorsAreServiceStacksAndChangeNothing() throws Exception {
    CookieJar jar = new CookieJar();
    signIn("/auth", "alice", "wonderland", jar);
    long tokens = TestGateway.count(dir, "SELECT COUNT(*) FROM refresh_tokens");
    long families = TestGateway.count(dir, "SELECT COUNT(*) FROM families");

    Http.Response wrong = signIn("/auth", "alice", "not-it", null);
    assertEquals(401, wrong.status());
    assertEquals(new JsonObject().put("responseStatus", new JsonObject().put("errorCode", "Unauthorized")
      .put("message", "Invalid Username or Password").put("errors", new JsonArray())), wrong.json());
    Http.Response unknown = signIn("/auth", "mallory", "anything", null);
    assertEquals(wrong.json(), unknown.json(), "an unknown user looks like a wrong password");
    assertEquals(401, signIn("/auth", "carol", "locked-out", null).status(), "disabled");

    Http.Response missing = post("/auth", null, new JsonObject().put("userName", " "));
    assertEquals(400, missing.status());
    JsonObject status = missing.json().getJsonObject("responseStatus");
    assertEquals("NotEmpty", status.getString("errorCode"));
    assertEquals("'User Name' must not be empty.", status.getString("message"));
    assertEquals(List.of("UserName", "Password"), status.getJsonArray("errors").stream()
      .map(error -> ((JsonObject) error).getString("fieldName")).toList());

    Http.Response malformed = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      Buffer.buffer("{\"userName\": ")).await();
    assertEquals(400, malformed.status());
    assertEquals("The request body is not valid JSON", malformed.json().getJsonObject("responseStatus").getString("message"));
    Http.Response array = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      Buffer.buffer("[1, 2]")).await();
    assertEquals("The request body must be a JSON object", array.json().getJsonObject("responseStatus").getString("message"));
    Http.Response multipart = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap()
      .add("content-type", "multipart/form-data; boundary=x"), Buffer.buffer("--x--\r\n")).await();
    assertEquals(400, multipart.status());
    assertEquals("Send the request as application/json or application/x-www-form-urlencoded",
      multipart.json().getJsonObject("responseStatus").getString("message"));
    Http.Response wrongType = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "text/plain"),
      Buffer.buffer("userName=alice")).await();
    assertEquals(400, wrongType.status());
    Http.Response tooLarge = post("/auth", null, new JsonObject().put("userName", "alice").put("password", "x".repeat(4096)));
    assertEquals(413, tooLarge.status());
    assertEquals("RequestEntityTooLarge", tooLarge.json().getJsonObject("responseStatus").getString("errorCode"));
    assertRefreshRefused(post("/access-token", null, new JsonObject().put("refreshToken", "forged")));

    assertEquals(tokens, TestGateway.count(dir, "SELECT COUNT(*) FROM refresh_tokens"));
    assertEquals(families, TestGateway.count(dir, "SELECT COUNT(*) FROM families"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));
  }

  @Test
  void formPostsSignInToo() {
    Http.Response response = http.send(HttpMethod.POST, "/auth/credentials",
      MultiMap.caseInsensitiveMultiMap().add("content-type", "application/x-www-form-urlencoded"),
      Buffer.buffer("UserName=bob&Password=builder&RememberMe=true")).await();
    assertEquals(200, response.status());
    assertEquals("2", response.json().getString("userId"));
  }

  @Test
  void throttlesRepeatedFailuresWhateverThePassword() {
    for (int i = 0; i < 3; i++) {
      assertEquals(401, signIn("/auth", "alice", "guess-" + i, null).status());
    }
    Http.Response throttled = signIn("/auth", "alice", "wonderland", null);
    assertEquals(429, throttled.status());
    assertEquals("600", throttled.header("retry-after"));
    assertEquals("TooManyRequests", throttled.json().getJsonObject("responseStatus").getString("errorCode"));
    assertEquals(200, signIn("/auth", "bob", "builder", null).status(), "other users are not affected");

    clock.advance(Duration.ofSeconds(600));
    assertEquals(200, signIn("/auth", "alice", "wonderland", null).status(), "the window has passed");
  }

  @Test
  void aUserDisabledSinceSignInCannotRefresh() throws Exception {
    CookieJar jar = new CookieJar();
    signIn("/auth", "alice", "wonderland", jar);
    writeUsers(dir, true);
    // A restart on the same SQLite file, now with alice disabled.
    http = startGateway(config(new JsonObject()));

    assertRefreshRefused(post("/access-token", jar.headers(), null));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"), "her family ends");
  }

  @Test
  void cookiesAreReadLeniently() {
    CookieJar jar = new CookieJar();
    signIn("/auth", "bob", "builder", jar);
    String refresh = jar.get("ss-reftok");

    MultiMap junk = MultiMap.caseInsensitiveMultiMap().add("cookie", "junk; =novalue; ss-tok=; other=1; ss-reftok=" + refresh + "; ;");
    assertEquals(200, post("/access-token", junk, null).status(), "junk pairs are skipped, an empty ss-tok is absent");

    MultiMap twice = MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=planted; ss-reftok=" + refresh);
    assertRefreshRefused(post("/access-token", twice, null));
  }

  @Test
  void cookieAttributesFollowTheConfiguration() {
    Http http = startGateway(config(new JsonObject().put("secure", "always").put("sameSite", "Strict")
      .put("domain", "example.test").put("accessToken", "at").put("refreshToken", "rt")));
    this.http = http;
    Http.Response response = signIn("/auth", "bob", "builder", null);
    String access = setCookie(response, "at");
    assertEquals("", attribute(access, "Secure"));
    assertEquals("Strict", attribute(access, "SameSite"));
    assertEquals("example.test", attribute(access, "Domain"));
    assertNotNull(setCookie(response, "rt"));
    assertEquals("at,rt", response.header("x-cookies"));

    this.http = startGateway(config(new JsonObject().put("secure", "always").put("hostPrefix", true)));
    Http.Response prefixed = signIn("/auth", "bob", "builder", null);
    String hostOnly = setCookie(prefixed, "__Host-ss-tok");
    assertNotNull(hostOnly, prefixed.headers().getAll("set-cookie").toString());
    assertEquals("", attribute(hostOnly, "Secure"));
    assertEquals("-", attribute(hostOnly, "Domain"));
    assertEquals("/", attribute(hostOnly, "Path"));
  }

}
