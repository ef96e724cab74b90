package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.credentials.PasswordHash;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
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

import static dev.bffgateway.support.CookieJar.attribute;
import static dev.bffgateway.support.CookieJar.setCookie;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** With the store down, the endpoints answer 503 + Retry-After, and nobody is logged out by the fault. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class AuthFaultsTest {
  @Test
  void storeOutageIsATemporaryErrorAndLosesNothing(Vertx vertx, @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("users.json"), new JsonObject().put("users", new JsonArray().add(new JsonObject()
      .put("userName", "alice").put("passwordHash", PasswordHash.create("wonderland".toCharArray(), 1000)))).encode());
    try (RedisServer redis = RedisServer.start(dir)) {
      RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
      JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")));
      TestGateway.redisStore(config, redis);
      config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
      config.put("cookies", new JsonObject().put("secure", "auto"));
      Gateway gateway = TestGateway.start(vertx, config).await();
      Http http = new Http(vertx.createHttpClient(), gateway.port());
      MultiMap json = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
      JsonObject credentials = new JsonObject().put("userName", "alice").put("password", "wonderland");

      CookieJar jar = new CookieJar();
      jar.update(http.send(HttpMethod.POST, "/auth", json, credentials.toBuffer()).await());

      redis.kill();
      try {
        Http.Response signIn = http.send(HttpMethod.POST, "/auth", json, credentials.toBuffer()).await();
        assertEquals(503, signIn.status());
        assertEquals("5", signIn.header("retry-after"));
        assertEquals("ServiceUnavailable", signIn.json().getJsonObject("responseStatus").getString("errorCode"));
        Http.Response refresh = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
        assertEquals(503, refresh.status());
        assertEquals(null, setCookie(refresh, "ss-reftok"), "a fault does not clear the refresh cookie");
        assertEquals(200, http.get("/api/during-the-outage", jar.headers()).status(), "a valid access token keeps working");
      } finally {
        redis.startProcess();
      }
      Http.Response recovered = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
      assertEquals(200, recovered.status(), "the same refresh cookie works once Redis is back: nothing was lost");
    }
  }

  @Test
  void logoutKeepsTheRefreshCookieForARetryWhenTheStoreIsDown(Vertx vertx, @TempDir Path dir) throws Exception {
    try (RedisServer redis = RedisServer.start(dir)) {
      JsonObject config = TestGateway.config(dir, new JsonArray());
      TestGateway.redisStore(config, redis);
      Gateway gateway = TestGateway.start(vertx, config).await();
      Http http = new Http(vertx.createHttpClient(), gateway.port());
      redis.kill();
      // Shaped as the Redis store's tokens are (<tag>.<family>.<secret>): it must ask Redis, which is down.
      String token = "0123abcd.AAAAAAAAAAAAAAAAAAAAAA.abc";
      Http.Response logout = http.get("/auth/logout", MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=" + token));
      assertEquals(503, logout.status());
      assertEquals("5", logout.header("retry-after"));
      assertEquals(null, setCookie(logout, "ss-reftok"), "kept, so the retry can still revoke the family");
      assertEquals("0", attribute(setCookie(logout, "ss-tok"), "Max-Age"));
      redis.startProcess();
      Http.Response retried = http.get("/auth/logout", MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=" + token));
      assertEquals(200, retried.status());
      assertEquals("0", attribute(setCookie(retried, "ss-reftok"), "Max-Age"));
    }
  }
}
