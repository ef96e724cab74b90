package dev.bffgateway;

import dev.bffgateway.config.CredentialsConfig;
import dev.bffgateway.credentials.PasswordChecks;
import dev.bffgateway.credentials.PasswordHash;
import dev.bffgateway.credentials.UsersFileVerifier;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.LogCapture;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Password sign-in: bounded hashing, one cost for every user, and off unless configured. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class PasswordSignInTest {
  private static final int FLOOD = 100;
  @TempDir
  Path dir;
  private Gateway gateway;

  private Http start(Vertx vertx, JsonObject credentials, int connections) {
    JsonObject config = TestGateway.config(dir.resolve("data"), new JsonArray());
    if (credentials != null) {
      config.put("credentials", credentials);
    }
    gateway = TestGateway.start(vertx, config).await();
    return new Http(vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(connections)), gateway.port());
  }

  private static Future<Http.Response> signIn(Http http, String path, String userName, String password) {
    return http.send(HttpMethod.POST, path, MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", userName).put("password", password).toBuffer());
  }

  @Test
  void aFloodOfUnknownNamesIsBoundedAndTheExcessIsToldToRetry(Vertx vertx) throws Exception {
    // The demo users, at the default cost: a check takes long enough that the 100 are all sent while the first
    // four are still running or waiting.
    Path users = Files.copy(Path.of("conf/users.json"), dir.resolve("users.json"));
    Http http = start(vertx, new JsonObject().put("usersFile", users.toString()).put("maxConcurrentChecks", 2)
      .put("maxQueuedChecks", 2), FLOOD);

    List<Future<Http.Response>> flood = new ArrayList<>();
    for (int i = 0; i < FLOOD; i++) {
      flood.add(signIn(http, "/auth/credentials", "nobody-" + UUID.randomUUID(), "guess"));
    }
    List<Http.Response> answers = Future.all(flood).await().list();

    Map<Integer, Long> byStatus = answers.stream().collect(Collectors.groupingBy(Http.Response::status, Collectors.counting()));
    assertEquals(Map.of(), answers.stream().filter(r -> r.status() != 401 && r.status() != 503)
      .collect(Collectors.toMap(Http.Response::status, r -> r.body().toString(), (a, b) -> a)), "401 or 503 only");
    assertTrue(byStatus.getOrDefault(401, 0L) >= 4, "the two running and the two queued were checked: " + byStatus);
    assertTrue(byStatus.getOrDefault(503, 0L) >= 1, "the rest was refused, not queued: " + byStatus);
    for (Http.Response refused : answers.stream().filter(r -> r.status() == 503).toList()) {
      assertEquals("1", refused.header("retry-after"));
      assertEquals("Too many sign-ins at once; try again shortly", Http.responseStatus(refused).getString("message"));
    }
    int peak = gateway.passwordChecks().peakRunning();
    assertTrue(peak >= 1 && peak <= 2, "at most maxConcurrentChecks ran at once: " + peak);

    assertEquals(200, signIn(http, "/auth/credentials", "alice", "wonderland").await().status(), "a real user, afterwards");
  }

  @Test
  void aUserHashedAtAnotherCostIsRehashedAtTheConfiguredCostOnTheirNextSignIn(Vertx vertx) throws Exception {
    Path users = writeUsers(dir.resolve("users"), "rw-r-----");
    String before = Files.readString(users);
    String aliceBefore = hashOf(users, "alice");
    Http http = start(vertx, new JsonObject().put("usersFile", users.toString()).put("hashIterations", 2000), 1);
    assertEquals(List.of(users + ": user \"alice\" is hashed with 1000 iterations, not credentials.hashIterations (2000); "
      + "it is re-hashed at its next sign-in"), UsersFileVerifier.check(users, 2000));

    try (LogCapture log = LogCapture.of(UsersFileVerifier.class)) {
      assertEquals(200, signIn(http, "/auth/credentials", "Alice", "wonderland").await().status());
      assertEquals(List.of(), log.warnings());
    }

    String aliceAfter = hashOf(users, "alice");
    assertNotEquals(aliceBefore, aliceAfter);
    assertEquals(2000, PasswordHash.parse(aliceAfter).iterations());
    assertTrue(PasswordHash.parse(aliceAfter).matches("wonderland".toCharArray()));
    assertEquals(before, Files.readString(users).replace(aliceAfter, aliceBefore), "only alice's hash changed, layout kept");
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));
    assertEquals(List.of(users), listed(users.getParent()), "no temporary file left beside it");
    assertEquals(List.of(), UsersFileVerifier.check(users, 2000), "check-config has nothing more to warn about");

    assertEquals(200, signIn(http, "/auth/credentials", "alice", "wonderland").await().status());
    assertEquals(aliceAfter, hashOf(users, "alice"), "re-hashed once");
    assertEquals(401, signIn(http, "/auth/credentials", "alice", "wrong").await().status());
  }

  @Test
  void aReadOnlyUsersFileIsWarnedAboutOnceAndTheUserStillSignsIn(Vertx vertx) throws Exception {
    Path users = writeUsers(dir.resolve("users"), "r--r--r--");
    String before = Files.readString(users);
    Http http = start(vertx, new JsonObject().put("usersFile", users.toString()).put("hashIterations", 2000), 1);

    try (LogCapture log = LogCapture.of(UsersFileVerifier.class)) {
      assertEquals(200, signIn(http, "/auth/credentials", "alice", "wonderland").await().status());
      assertEquals(200, signIn(http, "/auth/credentials", "alice", "wonderland").await().status());
      assertEquals(1, log.warnings().size(), log.warnings().toString());
      assertTrue(log.warnings().get(0).contains("user \"alice\" is hashed with 1000 iterations, not 2000, and the file cannot be rewritten"),
        log.warnings().get(0));
    }
    assertEquals(before, Files.readString(users));
    assertEquals(List.of(users), listed(users.getParent()));
  }

  @Test
  void aReloadKeepsThePasswordChecksAndAppliesTheCost(Vertx vertx) throws Exception {
    Path users = writeUsers(dir.resolve("users"), "rw-------");
    JsonObject credentials = new JsonObject().put("usersFile", users.toString()).put("hashIterations", 1000).put("maxConcurrentChecks", 2);
    Http http = start(vertx, credentials, 1);
    PasswordChecks running = gateway.passwordChecks();

    credentials.put("hashIterations", 2000).put("maxConcurrentChecks", 3);
    JsonObject next = TestGateway.config(dir.resolve("data"), new JsonArray()).put("credentials", credentials);
    assertEquals(List.of("credentials.maxConcurrentChecks, credentials.maxQueuedChecks"), gateway.reload(TestGateway.parse(next)).await());
    assertEquals(new CredentialsConfig.Checks(2, 8), gateway.config().credentials().checks(), "the running limits, until a restart");
    assertEquals(2000, gateway.config().credentials().hashIterations());

    assertEquals(200, signIn(http, "/auth/credentials", "alice", "wonderland").await().status());
    assertEquals(2000, PasswordHash.parse(hashOf(users, "alice")).iterations(), "re-hashed at the reloaded cost");
    assertEquals(1, running.peakRunning(), "checked by the same password checks");
  }

  @Test
  void withoutCredentialsPasswordSignInIsOffAndSaysSo(Vertx vertx) throws Exception {
    // Relative paths resolve against conf/ here, where the demo users are: they must not be picked up.
    Http http = start(vertx, null, 1);

    for (String path : List.of("/auth/credentials", "/auth", "/api/Authenticate")) {
      Http.Response refused = signIn(http, path, "alice", "wonderland").await();
      assertEquals(404, refused.status(), path);
      assertEquals("No configuration was added for OAuth provider 'credentials': password sign-in is off "
        + "(the gateway's configuration names no credentials.usersFile or credentials.http)",
        Http.responseStatus(refused).getString("message"), path);
    }
    assertEquals(200, http.send(HttpMethod.POST, "/auth/logout", null, null).await().status(), "other auth answers as before");
    assertEquals("  credentials:    password sign-in off (no credentials.usersFile or credentials.http)",
      gateway.summary(null, "nio").text().lines().filter(line -> line.startsWith("  credentials:")).findFirst().orElseThrow());
  }

  /** alice / wonderland hashed with 1000 iterations, bob / builder with 2000, in a directory of their own. */
  private static Path writeUsers(Path directory, String permissions) throws Exception {
    Files.createDirectories(directory);
    Path users = directory.resolve("users.json");
    Files.writeString(users, """
      {
        "users": [
          { "id": "1", "userName": "alice", "passwordHash": "%s", "roles": ["Admin"] },
          { "id": "2", "userName": "bob",   "passwordHash": "%s" }
        ]
      }
      """.formatted(PasswordHash.create("wonderland".toCharArray(), 1000), PasswordHash.create("builder".toCharArray(), 2000)));
    Files.setPosixFilePermissions(users, PosixFilePermissions.fromString(permissions));
    return users;
  }

  private static String hashOf(Path users, String userName) throws Exception {
    return new JsonObject(Files.readString(users)).getJsonArray("users").stream().map(JsonObject.class::cast)
      .filter(user -> user.getString("userName").equals(userName)).findFirst().orElseThrow().getString("passwordHash");
  }

  private static List<Path> listed(Path directory) throws Exception {
    try (var files = Files.list(directory)) {
      return files.toList();
    }
  }
}
