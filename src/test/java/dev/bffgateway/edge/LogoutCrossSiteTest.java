package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RawHttp;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A page on another site navigating the browser to any spelling of a logout route: the browser sends its Lax
 * cookies along, so each spelling must meet the same cross-site check as {@code /auth/logout}, and nothing may be
 * revoked. Sent as exact bytes, so that no client normalises the path first.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class LogoutCrossSiteTest {
  private static final String PROVIDER = "idp";
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    JsonObject config = TestGateway.config(dir, new JsonArray())
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000)
        // Never reached: the provider is asked for nothing before the logout route's check.
        .put("oidc", new JsonArray().add(new JsonObject().put("name", PROVIDER).put("issuer", "http://127.0.0.1:9/idp")
          .put("clientId", "gw").put("clientSecret", "secret"))))
      .put("cookies", new JsonObject().put("secure", "auto"));
    Gateway gateway = TestGateway.start(vertx, config).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  @Test
  void everySpellingOfEveryLogoutIsRefusedCrossSiteAndRevokesNothing() throws Exception {
    CookieJar jar = new CookieJar();
    Http.Response signedIn = http.send(HttpMethod.POST, "/auth", json(),
      new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await();
    assertEquals(200, signedIn.status());
    jar.update(signedIn);
    String cookies = jar.headers().get("cookie");
    String crossSite = "Host: gw\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nOrigin: null\r\n"
      + "Cookie: " + cookies + "\r\nConnection: close\r\n";
    String logoutBody = "{\"provider\":\"logout\"}";

    Map<String, Integer> statuses = new LinkedHashMap<>();
    Map<String, Integer> refused = new LinkedHashMap<>();
    for (String target : List.of("/auth/logout", "/auth/logout?everywhere=true", "/auth/logout/?everywhere=true",
      "/auth/%6cogout?everywhere=true", "/auth/logou%74?everywhere=true", "/auth/logout/.?everywhere=true",
      "/auth/./logout?everywhere=true", "/auth/" + PROVIDER + "/logout", "/auth/" + PROVIDER + "/logout/",
      "/auth/" + PROVIDER + "/%6cogout", "/auth/" + PROVIDER + "/logout/.")) {
      statuses.put("GET " + target, RawHttp.status(exchange("GET " + target + " HTTP/1.1\r\n" + crossSite + "\r\n")));
      refused.put("GET " + target, 403);
    }
    for (String target : List.of("/auth/logout", "/auth/logout/?everywhere=true", "/auth/%6cogout", "/json/reply/Authenticate",
      "/api/Authenticate", "/auth", "/json/reply/Authenticate/")) {
      String body = target.startsWith("/auth/") && target.contains("ogout") ? "" : logoutBody;
      statuses.put("POST " + target, RawHttp.status(exchange("POST " + target + " HTTP/1.1\r\n" + crossSite
        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)));
      refused.put("POST " + target, 403);
    }
    assertEquals(refused, statuses);

    Http.Response refreshed = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
    assertEquals(200, refreshed.status(), "nothing was revoked: " + refreshed.body());
    // And the same browser, same-origin, can still log out.
    jar.update(refreshed);
    String sameOrigin = exchange("GET /auth/%6cogout HTTP/1.1\r\nHost: gw\r\nSec-Fetch-Site: same-origin\r\n"
      + "Cookie: " + jar.headers().get("cookie") + "\r\nConnection: close\r\n\r\n");
    assertEquals(200, RawHttp.status(sameOrigin), sameOrigin);
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await().status(), "logged out");
  }

  /** Connection: close, so the gateway closes once it has answered; a busy machine may take more than a second. */
  private String exchange(String request) throws Exception {
    return RawHttp.exchange(http.port(), request, null, 10_000).text();
  }

  private static MultiMap json() {
    return MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
  }
}
