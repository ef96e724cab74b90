package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.cli.Cli;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sign-in throttling under concurrency, per address, and its unlock, against a real gateway on the SQLite store. The
 * password checks are a real login API's (credentials type http), so every check the gateway makes is counted there,
 * and the API can hold its answers to keep checks in flight.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class SignInThrottleTest {
  private static final int MAX_FAILURES = 3;
  private static final int MAX_FAILURES_PER_ADDRESS = 20;
  private static final Map<String, JsonObject> USERS = Map.of(
    "alice", new JsonObject().put("password", "wonderland").put("user", new JsonObject().put("id", "1").put("name", "alice")
      .put("roles", new JsonArray().add("Admin"))),
    "bob", new JsonObject().put("password", "builder").put("user", new JsonObject().put("id", "2").put("name", "bob")
      .put("roles", new JsonArray().add("User"))));

  private final MutableClock clock = MutableClock.atNow();
  /** Every password check the gateway asked the login API for. */
  private final AtomicInteger checks = new AtomicInteger();
  /** Completed to let the login API answer; until then it holds its answers, keeping checks in flight. */
  private volatile Promise<Void> answer = Promise.promise();
  private Vertx vertx;
  private Path dir;
  private JsonObject config;
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) {
    this.vertx = vertx;
    this.dir = dir;
    answer.complete();
    int apiPort = vertx.createHttpServer().requestHandler(this::loginApi).listen(0, "127.0.0.1").await().actualPort();
    config = TestGateway.config(dir, new JsonArray());
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.put("admin", new JsonObject().put("enabled", true));
    config.put("credentials", new JsonObject().put("type", "http")
      .put("http", new JsonObject().put("url", "http://127.0.0.1:" + apiPort + "/login").put("timeoutMs", 30_000)
        .put("fields", new JsonObject().put("id", "user.id").put("userName", "user.name").put("roles", "user.roles")))
      .put("maxFailures", MAX_FAILURES).put("maxFailuresPerAddress", MAX_FAILURES_PER_ADDRESS).put("failureWindowSeconds", 600));
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    // Enough connections that every sign-in of a test is in flight at once.
    http = new Http(vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(200)), gateway.port());
  }

  /** {@code POST /login}: 200 with the user for the right password, else 401; each once {@link #answer} is complete. */
  private void loginApi(HttpServerRequest request) {
    Context context = vertx.getOrCreateContext();
    request.body().onSuccess(body -> {
      checks.incrementAndGet();
      JsonObject credentials = body.toJsonObject();
      JsonObject user = USERS.get(credentials.getString("userName"));
      answer.future().onComplete(released -> context.runOnContext(now -> {
        if (user != null && user.getString("password").equals(credentials.getString("password"))) {
          request.response().putHeader("content-type", "application/json").end(new JsonObject().put("user", user.getJsonObject("user")).encode());
        } else {
          request.response().setStatusCode(401).end();
        }
      }));
    });
  }

  private Future<Http.Response> signIn(String userName, String password) {
    return signIn(http, userName, password);
  }

  private static Future<Http.Response> signIn(Http client, String userName, String password) {
    return client.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", userName).put("password", password).toBuffer());
  }

  private static Map<Integer, Long> statuses(List<Future<Http.Response>> responses) {
    return responses.stream().collect(Collectors.groupingBy(response -> response.result().status(), Collectors.counting()));
  }

  @Test
  void concurrentWrongPasswordsGetOnlyMaxFailuresChecksAndTheRightOneIsThrottledToo() {
    answer = Promise.promise();
    AtomicInteger refused = new AtomicInteger();
    Promise<Void> settled = Promise.promise();
    List<Future<Http.Response>> wrong = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      wrong.add(signIn("Bob", "guess-" + i).onSuccess(response -> {
        if (response.status() == 429 && refused.incrementAndGet() == 40 - MAX_FAILURES) {
          settled.tryComplete();
        }
      }));
    }
    // Every attempt beyond the limit is refused while the first ones are still being checked; were the throttle
    // outrun, more checks than that would be waiting at the login API, and it lets them all through.
    vertx.setPeriodic(10, timer -> {
      if (checks.get() > MAX_FAILURES) {
        answer.tryComplete();
        settled.tryComplete();
      }
      if (settled.future().isComplete()) {
        vertx.cancelTimer(timer);
      }
    });
    settled.future().await();

    Http.Response right = signIn("bob", "builder").await();
    assertEquals(429, right.status(), "the right password, sent while the wrong ones are checked, is throttled too");
    answer.tryComplete();
    Future.all(wrong).await();
    assertEquals(Map.of(401, (long) MAX_FAILURES, 429, 40L - MAX_FAILURES), statuses(wrong));
    assertEquals(MAX_FAILURES, checks.get(), "at most maxFailures passwords were checked");

    assertEquals(429, signIn("bob", "builder").await().status(), "the failures are kept");
    assertEquals(MAX_FAILURES, checks.get());
    assertEquals(200, signIn("alice", "wonderland").await().status(), "other user names are not affected");
  }

  @Test
  void manyNamesFromOneAddressAreThrottledPerAddress() {
    List<Future<Http.Response>> unknown = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      unknown.add(signIn("nobody-" + i, "guess"));
    }
    Future.all(unknown).await();
    assertEquals(Map.of(401, (long) MAX_FAILURES_PER_ADDRESS, 429, 100L - MAX_FAILURES_PER_ADDRESS), statuses(unknown));
    assertEquals(MAX_FAILURES_PER_ADDRESS, checks.get(), "each name is new, but the address reached its limit");

    Http.Response known = signIn("alice", "wonderland").await();
    assertEquals(429, known.status(), "the address is throttled, whatever the name");
    assertEquals("600", known.header("retry-after"));
    clock.advance(Duration.ofSeconds(600));
    assertEquals(200, signIn("alice", "wonderland").await().status(), "the window has passed");
  }

  @Test
  void successfulSignInsDoNotCountForTheAddress() {
    for (int i = 0; i < MAX_FAILURES_PER_ADDRESS + 5; i++) {
      assertEquals(200, signIn(i % 2 == 0 ? "alice" : "bob", i % 2 == 0 ? "wonderland" : "builder").await().status());
    }
    assertEquals(401, signIn("bob", "guess").await().status());
  }

  @Test
  void anAdminUnlocksAUserAtEveryAddress() {
    MultiMap asAlice = bearer(signInFor("alice"));
    MultiMap asBob = bearer(signInFor("bob"));
    Http elsewhere = new Http(vertx.createHttpClient(new HttpClientOptions().setLocalAddress("127.0.0.2")), http.port());
    lockOutBob(http);
    lockOutBob(elsewhere);

    assertEquals(401, http.send(HttpMethod.POST, "/admin/unlock/bob", null, null).await().status());
    assertEquals(403, http.send(HttpMethod.POST, "/admin/unlock/bob", asBob, null).await().status(), "bob is not an admin");
    assertEquals(429, signIn(http, "bob", "builder").await().status(), "still locked");

    Http.Response unlocked = http.send(HttpMethod.POST, "/admin/unlock/%20BOB", asAlice, null).await();
    assertEquals(200, unlocked.status());
    assertEquals(new JsonObject(), unlocked.json());
    assertEquals(200, signIn(http, "bob", "builder").await().status(), "unlocked");
    assertEquals(200, signIn(elsewhere, "bob", "builder").await().status(), "unlocked at the other address too");
  }

  @Test
  void theCommandLineUnlocksAUserInTheConfiguredStore() throws Exception {
    lockOutBob(http);
    Path file = dir.resolve("gateway.json");
    Files.writeString(file, config.encodePrettily());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli = new Cli(new java.io.ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), name -> null);

    assertEquals(Cli.INVALID, cli.execute("unlock", "--conf", file.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("Name the user to unlock"), err.toString(StandardCharsets.UTF_8));
    assertEquals(429, signIn("bob", "builder").await().status(), "still locked");

    assertEquals(Cli.OK, cli.execute("unlock", "--conf", file.toString(), " Bob "), err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("unlocked"), out.toString(StandardCharsets.UTF_8));
    assertEquals(200, signIn("bob", "builder").await().status(), "the running gateway sees the unlock at once");
  }

  /** Bob, throttled at the client's address. */
  private void lockOutBob(Http client) {
    for (int i = 0; i < MAX_FAILURES; i++) {
      assertEquals(401, signIn(client, "bob", "guess-" + i).await().status());
    }
    assertEquals(429, signIn(client, "bob", "builder").await().status());
  }

  private String signInFor(String userName) {
    Http.Response response = signIn(userName, USERS.get(userName).getString("password")).await();
    assertEquals(200, response.status());
    return response.json().getString("bearerToken");
  }

  private static MultiMap bearer(String accessToken) {
    return MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + accessToken);
  }
}
