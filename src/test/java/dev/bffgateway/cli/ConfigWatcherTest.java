package dev.bffgateway.cli;

import dev.bffgateway.Gateway;
import dev.bffgateway.config.ConfigLoader;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.credentials.PasswordHash;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hot reload from the file: a valid change is applied, an invalid one leaves the running configuration alone. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ConfigWatcherTest {

  @Test
  void appliesValidChangesAndKeepsRunningThroughInvalidOnes(Vertx vertx, @TempDir Path dir) throws Exception {
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    Path file = dir.resolve("gateway.json");
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("a", "/a", upstream.url())));
    Files.writeString(file, config.encodePrettily());
    Files.copy(Path.of("conf/users.json"), dir.resolve("users.json"));
    ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get, 2);
    Gateway gateway = Gateway.start(vertx, loader.load(file)).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    ConfigWatcher watcher = new ConfigWatcher(vertx, file, loader, gateway);

    assertFalse(watcher.check(false).await(), "nothing changed");

    Files.writeString(file, "{ \"routes\": [ { \"id\": \"b\", \"path\": \"b\" } ], \"server\": { \"port\": -1 } }");
    assertFalse(watcher.check(false).await(), "an invalid file is not applied");
    assertEquals(200, http.get("/a/x").status());
    assertEquals("a", gateway.config().routes().get(0).id());

    config.put("routes", new JsonArray().add(TestGateway.route("b", "/b", upstream.url())));
    Files.writeString(file, config.encodePrettily());
    assertTrue(watcher.check(false).await());
    assertEquals(404, http.get("/a/x").status());
    assertEquals(200, http.get("/b/x").status());
    assertEquals("/b/x", upstream.last().uri());

    assertFalse(watcher.check(false).await(), "applied once");
    assertTrue(watcher.check(true).await(), "SIGHUP reloads even an unchanged file");
  }

  @Test
  void aRehashAtSignInIsReloadedOnceLikeAnyEditOfTheUsersFile(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("gateway.json");
    Path users = Files.writeString(dir.resolve("users.json"), new JsonObject().put("users", new JsonArray().add(new JsonObject()
      .put("userName", "alice").put("passwordHash", PasswordHash.create("wonderland".toCharArray(), 1000)))).encodePrettily());
    Files.writeString(file, TestGateway.config(dir, new JsonArray())
      .put("credentials", new JsonObject().put("usersFile", "users.json").put("hashIterations", 2000)).encodePrettily());
    ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get, 2);
    Gateway gateway = Gateway.start(vertx, loader.load(file)).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    ConfigWatcher watcher = new ConfigWatcher(vertx, file, loader, gateway);
    MultiMap json = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    Buffer alice = new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer();

    assertEquals(200, http.send(HttpMethod.POST, "/auth/credentials", json, alice).await().status());
    String rehashed = Files.readString(users);
    assertTrue(rehashed.contains("$pbkdf2-sha256$i=2000$"), rehashed);
    assertTrue(watcher.check(false).await(), "the rewritten users file is a change like any other");
    assertEquals(200, http.send(HttpMethod.POST, "/auth/credentials", json, alice).await().status(), "read back as valid");
    assertEquals(rehashed, Files.readString(users), "the reloaded hash has the configured cost: not rewritten again");
    assertFalse(watcher.check(false).await(), "applied once");
  }
}
