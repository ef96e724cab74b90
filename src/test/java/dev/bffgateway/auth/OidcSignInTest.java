package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.OidcProvider;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sign-in with a real OpenID Provider (oidc-provider): code flow with PKCE, and what must never get through. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class OidcSignInTest {
  private static final String PROVIDER = "test";
  @TempDir
  Path dir;
  private OidcProvider op;
  private RecordingUpstream upstream;
  private Http http;

  @AfterEach
  void stopProvider() throws Exception {
    if (op != null) {
      op.close();
    }
  }

  /** The OP must know the gateway's callback before the gateway knows the OP: the gateway's port is chosen first. */
  private void start(Vertx vertx, String sessionsMode) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    op = OidcProvider.start(dir, List.of("http://127.0.0.1:" + port + "/auth/" + PROVIDER + "/callback"),
      new JsonObject().put("backchannelLogoutUri", "http://127.0.0.1:" + port + "/auth/" + PROVIDER + "/backchannel-logout"));
    AuthFlowTestSupport.writeUsers(dir);
    upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString())
        .put("oidc", new JsonArray().add(new JsonObject().put("name", PROVIDER).put("issuer", op.issuer())
          .put("clientId", OidcProvider.CLIENT_ID).put("clientSecret", OidcProvider.CLIENT_SECRET)
          .put("claims", new JsonObject().put("roles", "realm_access.roles"))
          .put("returnOrigins", new JsonArray().add("http://localhost:5173")))))
      // Strict for the gateway's cookies; the flow cookie must still come back from the provider's redirect.
      .put("cookies", new JsonObject().put("secure", "auto").put("sameSite", "Strict"))
      .put("sessions", new JsonObject().put("mode", sessionsMode))
      // Revocations checked on every request, so that a back-channel logout shows at once.
      .put("tokens", new JsonObject().put("revocationCheckSeconds", 0));
    config.getJsonObject("server").put("port", port);
    Gateway gateway = TestGateway.start(vertx, config).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  /** GET /auth/test: the redirect to the OP, with the flow cookie in the jar. */
  private String begin(CookieJar jar, String returnUrl) {
    Http.Response redirect = http.get("/auth/" + PROVIDER + "?returnUrl=" + URLEncoder.encode(returnUrl, StandardCharsets.UTF_8), jar.headers());
    assertEquals(302, redirect.status(), redirect.body().toString());
    assertEquals("Lax", CookieJar.attribute(CookieJar.setCookie(redirect, "bff-oidc"), "SameSite"));
    assertEquals("no-store", redirect.header("cache-control"));
    jar.update(redirect);
    return redirect.header("location");
  }

  /** The OP's redirect back, sent to the gateway as the browser would. */
  private Http.Response callback(CookieJar jar, String location) {
    URI uri = URI.create(location);
    Http.Response response = http.get(uri.getRawPath() + "?" + uri.getRawQuery(), jar.headers());
    jar.update(response);
    return response;
  }

  private long families() throws Exception {
    return TestGateway.count(dir, "SELECT COUNT(*) FROM families");
  }

  @Test
  void signsInWithCodeAndPkceAndActsLikeAnyOtherUser(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar browser = new CookieJar();
    String authorization = begin(browser, "/app/orders?tab=2");
    assertTrue(authorization.startsWith(op.issuer()), authorization);
    assertTrue(authorization.contains("code_challenge_method=S256"), authorization);
    assertTrue(authorization.contains("code_challenge="), authorization);
    assertTrue(authorization.contains("nonce="), authorization);
    assertTrue(authorization.contains("state="), authorization);
    assertNotNull(browser.get("bff-oidc"));

    Http.Response back = callback(browser, op.signIn(authorization, "alice", true));
    assertEquals(302, back.status(), back.body().toString());
    assertEquals("/app/orders?tab=2", back.header("location"));
    assertEquals("no-store", back.header("cache-control"), "it sets the token cookies");
    assertNull(browser.get("bff-oidc"), "the flow cookie is spent");
    String accessToken = browser.get("ss-tok");
    JsonObject claims = TestGateway.claims(accessToken);
    assertEquals(PROVIDER + "|alice-sub", claims.getString("sub"));
    assertEquals("alice", claims.getString("preferred_username"));
    assertEquals("Alice Liddell", claims.getString("name"));
    assertEquals(new JsonArray().add("Admin"), claims.getJsonArray("roles"));
    assertEquals(1, op.tokenCalls("authorization_code"));

    assertEquals(200, http.get("/api/orders", browser.headers()).status());
    assertEquals("Bearer " + accessToken, upstream.last().headers().get("authorization"));
    Http.Response refreshed = http.send(HttpMethod.POST, "/access-token", browser.headers(), null).await();
    assertEquals(200, refreshed.status(), "a provider's user refreshes without the users file knowing them");
    assertEquals(1, families());

    assertEquals(400, callback(browser, op.signIn(begin(new CookieJar(), "/"), "alice", true)).status(),
      "a code for another browser's flow is refused: this browser's flow cookie is gone");
  }

  @Test
  void pureBffModeEndsWithOnlyASessionCookie(Vertx vertx) throws Exception {
    start(vertx, "session");
    CookieJar browser = new CookieJar();
    Http.Response back = callback(browser, op.signIn(begin(browser, "/"), "bob", true));
    assertEquals(302, back.status(), back.body().toString());
    assertNotNull(browser.get("ss-id"));
    assertNull(browser.get("ss-tok"));
    assertNull(browser.get("ss-reftok"));
    assertEquals(200, http.get("/api/x", browser.headers()).status());
    assertEquals(PROVIDER + "|bob-sub", TestGateway.claims(upstream.last().headers().get("authorization").substring(7)).getString("sub"));
  }

  @Test
  void aForeignOrReplayedStateIsRefused(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar browser = new CookieJar();
    String first = begin(browser, "/");
    String location = op.signIn(first, "alice", true);
    String tampered = location.replaceFirst("state=[^&]+", "state=forged");
    assertEquals(400, callback(browser, tampered).status(), "state does not match");
    assertEquals(400, callback(browser, location).status(), "the flow was spent by the failed attempt");
    assertEquals(400, http.get(URI.create(location).getRawPath() + "?" + URI.create(location).getRawQuery()).status(),
      "no flow cookie: a callback cannot be completed in another browser");
    assertEquals(0, families());
  }

  @Test
  void anIdTokenForAnotherSignInIsRefused(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar browser = new CookieJar();
    // The OP then signs a nonce the gateway never chose for this flow.
    String authorization = begin(browser, "/").replaceFirst("nonce=[^&]+", "nonce=replayed-nonce");
    Http.Response back = callback(browser, op.signIn(authorization, "alice", true));
    assertEquals(401, back.status());
    assertTrue(Http.responseStatus(back).getString("message").contains("nonce"));
    assertNull(browser.get("ss-tok"));
    assertEquals(0, families());
  }

  @Test
  void deniedConsentSignsNobodyIn(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar victim = new CookieJar();
    begin(victim, "/");
    assertEquals(400, http.get("/auth/" + PROVIDER + "/callback?error=access_denied&state=forged", victim.headers()).status(),
      "a forged link cannot cancel a sign-in: state is checked first");
    CookieJar browser = new CookieJar();
    Http.Response back = callback(browser, op.signIn(begin(browser, "/"), "alice", false));
    assertEquals(401, back.status());
    assertTrue(Http.responseStatus(back).getString("message").contains("access_denied"));
    assertNull(browser.get("ss-tok"));
    assertEquals(0, families());
  }

  @Test
  void returnUrlCannotBeAnOpenRedirect(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    for (String evil : List.of("https://evil.example/x", "//evil.example/x", "/\\evil.example", "http://localhost:5173@evil.example/",
      "javascript:alert(1)", "http://localhost:5174/", " /x")) {
      Http.Response refused = http.get("/auth/" + PROVIDER + "?returnUrl=" + URLEncoder.encode(evil, StandardCharsets.UTF_8));
      assertEquals(400, refused.status(), evil);
    }
    CookieJar browser = new CookieJar();
    Http.Response back = callback(browser, op.signIn(begin(browser, "http://localhost:5173/app"), "alice", true));
    assertEquals("http://localhost:5173/app", back.header("location"), "an allowed origin");
  }

  @Test
  void backChannelLogoutEndsEveryDeviceOfTheUser(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar laptop = new CookieJar();
    callback(laptop, op.signIn(begin(laptop, "/"), "alice", true));
    CookieJar phone = new CookieJar();
    callback(phone, op.signIn(begin(phone, "/"), "alice", true));
    CookieJar bob = new CookieJar();
    callback(bob, op.signIn(begin(bob, "/"), "bob", true));
    assertEquals(200, http.get("/api/x", laptop.headers()).status());

    assertEquals(200, op.backchannelLogout("alice-sub", null), "the gateway accepted the OP's logout_token");
    CookieJar laptopAccessOnly = new CookieJar();
    laptopAccessOnly.put("ss-tok", laptop.get("ss-tok"));
    assertEquals(401, http.get("/api/x", laptopAccessOnly.headers()).status(), "alice's access token is refused");
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", phone.headers(), null).await().status(), "and her other device");
    assertEquals(200, http.get("/api/x", bob.headers()).status(), "bob is not affected");

    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/x-www-form-urlencoded");
    String forged = laptop.get("ss-tok");
    Http.Response refused = http.send(HttpMethod.POST, "/auth/" + PROVIDER + "/backchannel-logout", form,
      io.vertx.core.buffer.Buffer.buffer("logout_token=" + forged)).await();
    assertEquals(400, refused.status(), "a token the provider did not sign is no logout_token");
    assertEquals(200, http.get("/api/y", bob.headers()).status());
  }

  @Test
  void unknownProvidersAndTheirCallbacksAreNotRoutes(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    assertEquals(404, http.get("/auth/other").status(), "no such provider");
    assertEquals(404, http.get("/auth/other/callback?code=x&state=y").status());
    assertEquals(400, http.get("/auth/" + PROVIDER + "/callback?code=x&state=y",
      MultiMap.caseInsensitiveMultiMap().add("cookie", "bff-oidc=made-up")).status());
  }
}
