package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** "Your devices", log out everywhere with immediate revocation of access tokens, and the admin API. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class AccountEndpointsTest {
  private final MutableClock clock = MutableClock.atNow();
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")));
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.put("admin", new JsonObject().put("enabled", true));
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  private CookieJar signIn(String user, String password, String userAgent) {
    CookieJar jar = new CookieJar();
    Http.Response response = http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap()
        .add("content-type", "application/json").add("user-agent", userAgent),
      new JsonObject().put("userName", user).put("password", password).toBuffer()).await();
    assertEquals(200, response.status());
    jar.update(response);
    return jar;
  }

  private Http.Response refresh(CookieJar jar) {
    return http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
  }

  private JsonArray sessions(CookieJar jar) {
    Http.Response response = http.get("/auth/sessions", jar.headers());
    assertEquals(200, response.status());
    assertEquals("no-store", response.header("cache-control"));
    return response.json().getJsonArray("sessions");
  }

  @Test
  void listsAndEndsTheUsersOwnSessions() {
    CookieJar laptop = signIn("alice", "wonderland", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0");
    clock.advance(Duration.ofSeconds(1));
    CookieJar phone = signIn("alice", "wonderland", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1");
    CookieJar bob = signIn("bob", "builder", "curl/8.0");

    JsonArray seen = sessions(laptop);
    assertEquals(2, seen.size());
    JsonObject first = seen.getJsonObject(0);
    assertEquals("Firefox on Linux", first.getString("client"));
    assertTrue(first.getBoolean("current"));
    assertEquals("Safari on iOS", seen.getJsonObject(1).getString("client"));
    assertFalse(seen.getJsonObject(1).getBoolean("current"));

    String bobsSession = sessions(bob).getJsonObject(0).getString("id");
    assertEquals(404, http.send(HttpMethod.DELETE, "/auth/sessions/" + bobsSession, laptop.headers(), null).await().status(),
      "somebody else's session is not found");
    assertEquals(200, refresh(bob).status());

    String phoneSession = seen.getJsonObject(1).getString("id");
    assertEquals(200, http.send(HttpMethod.DELETE, "/auth/sessions/" + phoneSession, laptop.headers(), null).await().status());
    assertEquals(1, sessions(laptop).size());
    assertEquals(401, refresh(phone).status(), "the phone is signed out");
    assertEquals(401, http.get("/auth/sessions").status());
  }

  @Test
  void logOutEverywhereStopsAccessTokensWithinTheRevocationWindow() {
    CookieJar laptop = signIn("alice", "wonderland", "laptop");
    CookieJar phone = signIn("alice", "wonderland", "phone");
    MultiMap stolenAccess = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + phone.get("ss-tok"));
    assertEquals(200, http.get("/api/x", stolenAccess).status());

    clock.advance(Duration.ofSeconds(1));
    assertEquals(200, http.send(HttpMethod.POST, "/auth/logout?everywhere=true", laptop.headers(), null).await().status());
    assertEquals(401, refresh(phone).status(), "every refresh family is revoked at once");
    clock.advance(Duration.ofSeconds(6));
    assertEquals(401, http.get("/api/x", stolenAccess).status(), "the access token stops working within seconds, not at its expiry");

    CookieJar again = signIn("alice", "wonderland", "laptop");
    assertEquals(200, http.get("/api/x", again.headers()).status(), "a new sign-in works");
  }

  @Test
  void adminsRevokeAndListOtherUsers() {
    CookieJar admin = signIn("alice", "wonderland", "laptop");
    CookieJar bob = signIn("bob", "builder", "phone");
    MultiMap bobsAccess = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + bob.get("ss-tok"));

    assertEquals(401, http.get("/admin/users/2/sessions").status());
    assertEquals(403, http.get("/admin/users/1/sessions", bob.headers()).status(), "bob is not an admin");
    Http.Response listed = http.get("/admin/users/2/sessions", admin.headers());
    assertEquals(200, listed.status());
    assertEquals("Unknown browser", listed.json().getJsonArray("sessions").getJsonObject(0).getString("client"));

    clock.advance(Duration.ofSeconds(1));
    assertEquals(200, http.send(HttpMethod.POST, "/admin/users/2/revoke", admin.headers(), null).await().status());
    assertEquals(401, refresh(bob).status());
    clock.advance(Duration.ofSeconds(6));
    assertEquals(401, http.get("/api/x", bobsAccess).status());
    assertEquals(200, refresh(admin).status(), "only bob was revoked");
    assertEquals(403, http.send(HttpMethod.POST, "/admin/users/2/revoke", MultiMap.caseInsensitiveMultiMap()
      .addAll(admin.headers()).add("sec-fetch-site", "cross-site").add("origin", "https://evil.example"), null).await().status(),
      "cookie-authenticated admin calls are CSRF-checked");
  }
}
