package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The http credential verifier against a real login API started in the test. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class HttpCredentialsTest {
  /** The API's current view of alice; null once she is deleted. */
  private final AtomicReference<JsonObject> alice = new AtomicReference<>(new JsonObject()
    .put("uid", "u-1").put("login", "alice").put("name", "Alice").put("mail", "alice@example.com")
    .put("groups", new JsonArray().add("User")));
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) {
    HttpServer api = vertx.createHttpServer().requestHandler(request -> {
      if (request.method() == HttpMethod.POST && request.path().equals("/login")) {
        request.body().onSuccess(body -> {
          JsonObject credentials = body.toJsonObject();
          String password = credentials.getString("password");
          switch (password) {
            case "secret" -> request.response().end(new JsonObject().put("user", alice.get())
              .put("disabled", alice.get().getBoolean("disabled", false)).encode());
            case "boom" -> request.response().setStatusCode(500).end("stack trace of the login API");
            case "slow" -> { } // never answers
            default -> request.response().setStatusCode(401).end();
          }
        });
      } else if (request.method() == HttpMethod.GET && request.path().equals("/users/u-1")) {
        JsonObject current = alice.get();
        if (current == null) {
          request.response().setStatusCode(404).end();
        } else {
          request.response().end(new JsonObject().put("user", current).encode());
        }
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    String base = "http://127.0.0.1:" + api.actualPort();
    JsonObject config = TestGateway.config(dir, new JsonArray());
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.put("credentials", new JsonObject().put("type", "http").put("http", new JsonObject()
      .put("url", base + "/login")
      .put("userUrl", base + "/users/{userId}")
      .put("timeoutMs", 300)
      .put("fields", new JsonObject().put("id", "user.uid").put("userName", "user.login").put("displayName", "user.name")
        .put("email", "user.mail").put("roles", "user.groups").put("disabled", "disabled"))));
    Gateway gateway = TestGateway.start(vertx, config).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  private Http.Response signIn(String password) {
    return http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", password).toBuffer()).await();
  }

  @Test
  void signsInWithTheApisUserMappedByField() {
    Http.Response response = signIn("secret");
    assertEquals(200, response.status());
    JsonObject body = response.json();
    assertEquals("u-1", body.getString("userId"));
    assertEquals("alice", body.getString("userName"));
    assertEquals("Alice", body.getString("displayName"));
    assertEquals(new JsonArray().add("User"), body.getJsonArray("roles"));
    assertEquals("alice@example.com", TestGateway.claims(body.getString("bearerToken")).getString("email"));
  }

  @Test
  void wrongPasswordIs401AndAFailingApiNeverSignsIn() {
    assertEquals(401, signIn("wrong").status());
    Http.Response broken = signIn("boom");
    assertEquals(502, broken.status());
    assertEquals("The credentials service is unavailable", broken.json().getJsonObject("responseStatus").getString("message"));
    assertTrue(!broken.body().toString().contains("stack trace"), "nothing of the API's error leaks");
    Http.Response slow = signIn("slow");
    assertEquals(504, slow.status());
    assertEquals("GatewayTimeout", slow.json().getJsonObject("responseStatus").getString("errorCode"));
  }

  @Test
  void aDisabledUserCannotSignIn() {
    alice.set(alice.get().copy().put("disabled", true));
    assertEquals(401, signIn("secret").status());
  }

  @Test
  void refreshReReadsTheUser() {
    CookieJar jar = new CookieJar();
    jar.update(signIn("secret"));

    alice.set(alice.get().copy().put("groups", new JsonArray().add("User").add("Admin")));
    Http.Response refreshed = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
    jar.update(refreshed);
    assertEquals(200, refreshed.status());
    assertEquals(new JsonArray().add("User").add("Admin"),
      TestGateway.claims(refreshed.json().getString("accessToken")).getJsonArray("roles"), "changed roles reach the new token");

    alice.set(null);
    Http.Response deleted = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
    assertEquals(401, deleted.status(), "a deleted user cannot refresh");
  }
}
