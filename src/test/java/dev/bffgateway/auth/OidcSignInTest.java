package dev.bffgateway.auth;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.LogCapture;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.OidcProvider;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
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
import java.time.Clock;
import java.util.function.Consumer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sign-in with a real OpenID Provider (oidc-provider): code flow with PKCE, and what must never get through. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class OidcSignInTest {
  private static final String PROVIDER = "test";
  private static final int CONCURRENT = 20;
  /** The audience of the OP's access tokens (provider.mjs). */
  private static final String RESOURCE = "urn:bff-gateway:upstream";
  @TempDir
  Path dir;
  private OidcProvider op;
  private RecordingUpstream upstream;
  private Http http;
  private String gatewayOrigin;
  private JsonObject gatewayConfig;

  @AfterEach
  void stopProvider() throws Exception {
    if (op != null) {
      op.close();
    }
  }

  private void start(Vertx vertx, String sessionsMode) throws Exception {
    start(vertx, sessionsMode, new JsonObject(), gateway -> { }, Clock.systemUTC());
  }

  /**
   * The OP must know the gateway's callback before the gateway knows the OP: the gateway's port is chosen first.
   *
   * @param opConfig settings of the OP beyond the gateway's callback and back-channel logout URIs (provider.mjs)
   * @param tune     changes to the gateway's configuration; its provider is credentials.oidc[0]
   */
  private void start(Vertx vertx, String sessionsMode, JsonObject opConfig, Consumer<JsonObject> tune, Clock clock) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    gatewayOrigin = "http://127.0.0.1:" + port;
    op = OidcProvider.start(dir, List.of(gatewayOrigin + "/auth/" + PROVIDER + "/callback"), new JsonObject()
      .put("backchannelLogoutUri", gatewayOrigin + "/auth/" + PROVIDER + "/backchannel-logout")
      .put("postLogoutRedirectUris", new JsonArray().add(gatewayOrigin + "/"))
      .mergeIn(opConfig));
    AuthFlowTestSupport.writeUsers(dir);
    upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000)
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
    tune.accept(config);
    Gateway gateway = TestGateway.start(vertx, config, clock).await();
    http = new Http(vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(CONCURRENT)), gateway.port());
  }

  private static JsonObject providerOf(JsonObject gatewayConfig) {
    return gatewayConfig.getJsonObject("credentials").getJsonArray("oidc").getJsonObject(0);
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

  /** A browser that signed in at the OP as the given user and came back to "/". */
  private CookieJar signedIn(String user) {
    CookieJar browser = new CookieJar();
    callback(browser, op.signIn(begin(browser, "/"), user, true));
    return browser;
  }

  /** Only the access-token cookie of a browser: a request that cannot fall back to a refresh. */
  private static CookieJar accessTokenOnly(CookieJar browser) {
    CookieJar accessOnly = new CookieJar();
    accessOnly.put("ss-tok", browser.get("ss-tok"));
    return accessOnly;
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
  void withoutPasswordSignInTheProvidersUsersSignInAndRefresh(Vertx vertx) throws Exception {
    start(vertx, "tokens", new JsonObject(), config -> config.getJsonObject("credentials").remove("usersFile"), Clock.systemUTC());
    CookieJar browser = signedIn("alice");
    assertEquals(200, http.get("/api/orders", browser.headers()).status());
    assertEquals(200, http.send(HttpMethod.POST, "/access-token", browser.headers(), null).await().status());

    Http.Response password = http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap()
      .add("content-type", "application/json"), new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await();
    assertEquals(404, password.status(), "the users file beside the configuration is not used unless named");
    assertEquals(1, families());
  }

  /**
   * The OP publishes an encryption key beside its signing key, as Keycloak does: discovery skips it without a word,
   * where Vert.x's own discovery logged a WARN with a stack trace for it on every event loop.
   */
  @Test
  void theProvidersEncryptionKeyIsSkippedQuietly(Vertx vertx) throws Exception {
    try (LogCapture vertxAuth = LogCapture.of("io.vertx.ext.auth")) {
      start(vertx, "tokens");
      JsonObject jwks = new JsonObject(get(new JsonObject(get(op.issuer() + "/.well-known/openid-configuration")).getString("jwks_uri")));
      assertTrue(jwks.getJsonArray("keys").stream().map(JsonObject.class::cast).anyMatch(key -> "enc".equals(key.getString("use"))), jwks.encode());
      assertNotNull(signedIn("alice").get("ss-tok"), "the ID token was verified with the signing key");
      assertEquals(List.of(), vertxAuth.warnings());
    }
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
  void anAnswerFromAnotherIssuerOrWithoutTheAdvertisedIssIsRefused(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar browser = new CookieJar();
    String location = op.signIn(begin(browser, "/"), "alice", true);
    assertTrue(location.contains("iss="), "the OP sends iss, as its discovery document says");
    Http.Response mixedUp = callback(browser, location.replaceFirst("iss=[^&]+", "iss=" + URLEncoder.encode("https://evil.example", StandardCharsets.UTF_8)));
    assertEquals(400, mixedUp.status());
    CookieJar other = new CookieJar();
    Http.Response stripped = callback(other, op.signIn(begin(other, "/"), "alice", true).replaceFirst("&?iss=[^&]+", ""));
    assertEquals(400, stripped.status(), "an OP that advertises iss must send it");
    assertEquals(0, op.tokenCalls("authorization_code"), "neither code was exchanged");
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
  void backChannelLogoutWithASidEndsTheSignInsOfThatProviderSession(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar laptop = signedIn("alice");
    CookieJar phone = signedIn("alice");
    CookieJar bob = signedIn("bob");
    assertEquals(200, http.get("/api/x", phone.headers()).status());

    // The OP's logout_token names the provider session of alice's last sign-in there: the phone's.
    assertEquals(200, op.backchannelLogout("alice-sub", null), "the gateway accepted the OP's logout_token");
    CookieJar phoneAccessOnly = accessTokenOnly(phone);
    assertEquals(401, http.get("/api/x", phoneAccessOnly.headers()).status(), "the phone's access token is refused");
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", phone.headers(), null).await().status(), "and its refresh token");
    assertEquals(200, http.get("/api/x", laptop.headers()).status(), "the laptop signed in with another provider session");
    assertEquals(200, http.send(HttpMethod.POST, "/access-token", laptop.headers(), null).await().status());
    assertEquals(200, http.get("/api/x", bob.headers()).status(), "bob is not affected");
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));

    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/x-www-form-urlencoded");
    String forged = laptop.get("ss-tok");
    Http.Response refused = http.send(HttpMethod.POST, "/auth/" + PROVIDER + "/backchannel-logout", form,
      io.vertx.core.buffer.Buffer.buffer("logout_token=" + forged)).await();
    assertEquals(400, refused.status(), "a token the provider did not sign is no logout_token");
    assertEquals(200, http.get("/api/y", laptop.headers()).status());
  }

  @Test
  void backChannelLogoutWithOnlyASubEndsEveryDeviceOfTheUser(Vertx vertx) throws Exception {
    start(vertx, "tokens");
    CookieJar laptop = signedIn("alice");
    CookieJar phone = signedIn("alice");
    CookieJar bob = signedIn("bob");

    assertEquals(200, op.backchannelLogout("alice-sub", "none"));
    CookieJar laptopAccessOnly = accessTokenOnly(laptop);
    assertEquals(401, http.get("/api/x", laptopAccessOnly.headers()).status(), "alice's access token is refused");
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", phone.headers(), null).await().status(), "and her other device");
    assertEquals(200, http.get("/api/x", bob.headers()).status(), "bob is not affected");
  }

  @Test
  void aLogoutTokenIsTakenOnce(Vertx vertx) throws Exception {
    // The OP's logout_token goes to a recorder first, so that the test can send it, and then replay it.
    RecordingUpstream recorder = RecordingUpstream.start(vertx).await();
    start(vertx, "tokens", new JsonObject().put("backchannelLogoutUri", recorder.url() + "/logout"), gateway -> { }, Clock.systemUTC());
    CookieJar laptop = signedIn("alice");
    assertEquals(200, op.backchannelLogout("alice-sub", "none"));
    io.vertx.core.buffer.Buffer logoutToken = recorder.last().body();
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/x-www-form-urlencoded");
    assertEquals(200, http.send(HttpMethod.POST, "/auth/" + PROVIDER + "/backchannel-logout", form, logoutToken).await().status());
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", laptop.headers(), null).await().status());

    CookieJar phone = signedIn("alice");
    Http.Response replayed = http.send(HttpMethod.POST, "/auth/" + PROVIDER + "/backchannel-logout", form, logoutToken).await();
    assertEquals(400, replayed.status(), "the same logout_token again, within its five minutes");
    assertEquals("logout_token was already used", Http.responseStatus(replayed).getString("message"));
    assertEquals(200, http.send(HttpMethod.POST, "/access-token", phone.headers(), null).await().status(), "alice's new sign-in stands");
  }

  @Test
  void logoutAtTheProviderEndsTheGatewaySignInAndSendsTheBrowserToTheProvider(Vertx vertx) throws Exception {
    start(vertx, "session", new JsonObject(), gateway -> {
      providerOf(gateway).put("postLogoutRedirectUri", gatewayOrigin + "/");
      gatewayConfig = gateway;
    }, Clock.systemUTC());
    CookieJar browser = signedIn("alice");
    assertEquals(200, http.get("/api/x", browser.headers()).status());
    // The logout lands on another instance (same SQLite file), which has not talked to the provider yet.
    JsonObject second = gatewayConfig.copy();
    second.getJsonObject("server").put("port", 0);
    Http secondInstance = new Http(vertx.createHttpClient(), TestGateway.start(vertx, second).await().port());

    MultiMap crossSite = browser.headers().add("sec-fetch-site", "cross-site");
    assertEquals(403, secondInstance.get("/auth/" + PROVIDER + "/logout", crossSite).status(), "a link on another site cannot log the user out");
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));

    Http.Response out = secondInstance.get("/auth/" + PROVIDER + "/logout", browser.headers());
    assertEquals(302, out.status(), out.body().toString());
    String location = out.header("location");
    assertTrue(location.startsWith(op.issuer() + "/"), location);
    Map<String, String> query = query(URI.create(location));
    assertEquals(OidcProvider.CLIENT_ID, query.get("client_id"));
    assertEquals(gatewayOrigin + "/", query.get("post_logout_redirect_uri"));
    JsonObject hint = TestGateway.claims(query.get("id_token_hint"));
    assertEquals("alice-sub", hint.getString("sub"), "the hint is alice's ID token");
    assertEquals(OidcProvider.CLIENT_ID, hint.getString("aud"));
    assertEquals("0", CookieJar.attribute(CookieJar.setCookie(out, "ss-id"), "Max-Age"), "the session cookie is cleared");
    browser.update(out);
    assertEquals(401, secondInstance.get("/api/x", browser.headers()).status());
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NOT NULL"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE provider_grant IS NOT NULL"), "nothing of the provider is kept");
    assertEquals(200, op.status(location), "the OP accepts the hint and the redirect: it asks the user to confirm");

    Http.Response again = secondInstance.get("/auth/" + PROVIDER + "/logout", browser.headers());
    assertEquals(gatewayOrigin + "/", again.header("location"), "without a sign-in there is no hint: straight back");
  }

  @Test
  void aConfiguredErrorPageGetsTheErrorCodeInsteadOfJson(Vertx vertx) throws Exception {
    start(vertx, "tokens", new JsonObject(), gateway -> providerOf(gateway).put("errorPage", "/signin-failed?from=oidc"), Clock.systemUTC());
    CookieJar browser = new CookieJar();
    String location = op.signIn(begin(browser, "/"), "alice", true);
    Http.Response forged = callback(browser, location.replaceFirst("state=[^&]+", "state=forged"));
    assertEquals(302, forged.status());
    assertEquals("/signin-failed?from=oidc&error=state_mismatch", forged.header("location"));
    Http.Response denied = callback(browser, op.signIn(begin(browser, "/"), "alice", false));
    assertEquals("/signin-failed?from=oidc&error=access_denied", denied.header("location"));
    assertEquals("/signin-failed?from=oidc&error=no_sign_in", http.get("/auth/" + PROVIDER + "/callback?code=x&state=y").header("location"));
    assertEquals(0, families());
  }

  /**
   * An upstream that accepts only the OP's own access tokens for it: signed with a key of the OP's JWKS, not
   * expired, from the OP, for its audience. It answers with the token's claims.
   */
  private RecordingUpstream verifyingUpstream(Vertx vertx) {
    RecordingUpstream verifying = RecordingUpstream.start(vertx).await();
    JsonObject jwks = new JsonObject(get(new JsonObject(get(op.issuer() + "/.well-known/openid-configuration")).getString("jwks_uri")));
    // Its signing keys only, as the gateway takes them: Vert.x warns about the encryption key.
    io.vertx.ext.auth.jwt.JWTAuth verifier = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
      .setJwks(jwks.getJsonArray("keys").stream().map(JsonObject.class::cast).filter(key -> !"enc".equals(key.getString("use"))).toList())
      .setJWTOptions(new io.vertx.ext.auth.JWTOptions().setIssuer(op.issuer()).setAudience(List.of(RESOURCE))));
    verifying.handler(request -> verifying.record(request).onSuccess(received -> {
      String authorization = received.headers().get("authorization");
      String token = authorization == null ? "" : authorization.substring("Bearer ".length());
      verifier.authenticate(new io.vertx.ext.auth.authentication.TokenCredentials(token)).onComplete(verified -> {
        if (verified.failed()) {
          request.response().setStatusCode(401).end(String.valueOf(verified.cause().getMessage()));
        } else {
          request.response().putHeader("content-type", "application/json").end(verified.result().principal().encode());
        }
      });
    }));
    return verifying;
  }

  private static String get(String url) {
    try {
      return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError(url + ": " + e, e);
    }
  }

  private static Consumer<JsonObject> relayRoute(RecordingUpstream verifying) {
    return gateway -> {
      gateway.getJsonArray("routes").add(TestGateway.route("idp-api", "/idp-api", verifying.url()).put("auth", "required").put("upstreamToken", "idp"));
      gateway.getJsonObject("server").put("instances", 2);
    };
  }

  @Test
  void relaysTheProvidersAccessTokenToAnUpstreamThatVerifiesItAndFailsClosedWithoutOne(Vertx vertx) throws Exception {
    RecordingUpstream[] verifying = new RecordingUpstream[1];
    start(vertx, "tokens", new JsonObject(), gateway -> relayRoute(verifying[0] = verifyingUpstream(vertx)).accept(gateway), Clock.systemUTC());
    CookieJar browser = signedIn("alice");

    Http.Response relayed = http.get("/idp-api/me", browser.headers());
    assertEquals(200, relayed.status(), relayed.body().toString());
    assertEquals("alice-sub", relayed.json().getString("sub"), "the OP vouches for the relayed token");
    assertEquals(OidcProvider.CLIENT_ID, relayed.json().getString("client_id"));
    assertEquals(RESOURCE, relayed.json().getString("aud"));
    String providerToken = verifying[0].last().headers().get("authorization").substring("Bearer ".length());
    assertTrue(!providerToken.equals(browser.get("ss-tok")), "not the gateway's token");
    assertTrue(!verifying[0].last().headers().contains("cookie"), "no gateway cookie reaches the upstream");
    assertEquals(200, http.get("/api/x", browser.headers()).status());
    assertEquals("Bearer " + browser.get("ss-tok"), upstream.last().headers().get("authorization"), "other routes get the gateway's token");
    assertTrue(storedGrant().contains(providerToken), "the provider's token is kept with the family");
    assertTrue(!browser.headers().get("cookie").contains(providerToken), "and never given to the browser");

    int before = verifying[0].received().size();
    CookieJar local = new CookieJar();
    local.update(http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      io.vertx.core.buffer.Buffer.buffer(new JsonObject().put("userName", "alice").put("password", "wonderland").encode())).await());
    Http.Response noProvider = http.get("/idp-api/me", local.headers());
    assertEquals(401, noProvider.status(), "a local user has no provider token: the route fails closed");
    assertEquals(401, http.get("/idp-api/me").status(), "nor has an anonymous caller");
    assertEquals(before, verifying[0].received().size(), "the upstream never saw either");
  }

  @Test
  void anExpiringProviderTokenIsRefreshedOnceForTwentyConcurrentRequests(Vertx vertx) throws Exception {
    MutableClock clock = MutableClock.atNow();
    RecordingUpstream[] verifying = new RecordingUpstream[1];
    start(vertx, "session", new JsonObject().put("accessTokenTtl", 60),
      gateway -> relayRoute(verifying[0] = verifyingUpstream(vertx)).accept(gateway), clock);
    CookieJar browser = signedIn("alice");
    assertEquals(200, http.get("/idp-api/me", browser.headers()).status());
    String first = verifying[0].last().headers().get("authorization");
    assertEquals(0, op.tokenCalls("refresh_token"), "a fresh token is relayed as it is");

    clock.advance(java.time.Duration.ofSeconds(45));
    op.resetStats();
    List<Future<Http.Response>> concurrent = new java.util.ArrayList<>();
    for (int i = 0; i < CONCURRENT; i++) {
      concurrent.add(http.send(HttpMethod.GET, "/idp-api/me?i=" + i, browser.headers(), null));
    }
    Future.all(concurrent).await();
    for (Future<Http.Response> response : concurrent) {
      assertEquals(200, response.result().status(), response.result().body().toString());
    }
    assertEquals(1, op.tokenCalls("refresh_token"), "twenty requests, one refresh at the OP");
    assertEquals(0, op.stats().getJsonObject("tokenErrors").size(), op.stats().encode());
    List<String> sent = verifying[0].received().subList(verifying[0].received().size() - CONCURRENT, verifying[0].received().size())
      .stream().map(received -> received.headers().get("authorization")).distinct().toList();
    assertEquals(1, sent.size(), "all twenty carried the refreshed token");
    assertTrue(!sent.get(0).equals(first));
    assertTrue(storedGrant().contains(sent.get(0).substring("Bearer ".length())), "the refreshed grant replaced the old one in the store");

    assertEquals(200, http.get("/idp-api/me", browser.headers()).status());
    assertEquals(1, op.tokenCalls("refresh_token"), "the refreshed token is used until it nears its expiry");

    clock.advance(java.time.Duration.ofSeconds(45));
    op.close();
    int before = verifying[0].received().size();
    Http.Response down = http.get("/idp-api/me", browser.headers());
    assertEquals(502, down.status(), "the OP is down: the token cannot be refreshed, and nothing is sent");
    assertEquals(before, verifying[0].received().size());
    op = null;
  }

  @Test
  void aSessionConvertedToTokensKeepsTheRelayAndAGrantTheProviderEndedIsRefusedWithoutAskingAgain(Vertx vertx) throws Exception {
    MutableClock clock = MutableClock.atNow();
    RecordingUpstream[] verifying = new RecordingUpstream[1];
    start(vertx, "session", new JsonObject(), gateway -> relayRoute(verifying[0] = verifyingUpstream(vertx)).accept(gateway), clock);
    CookieJar browser = signedIn("alice");
    assertEquals(200, http.get("/idp-api/me", browser.headers()).status());
    String beforeConversion = verifying[0].last().headers().get("authorization");

    Http.Response converted = http.send(HttpMethod.POST, "/session-to-token", browser.headers().add("content-type", "application/json"),
      io.vertx.core.buffer.Buffer.buffer("{}")).await();
    assertEquals(200, converted.status(), converted.body().toString());
    browser.update(converted);
    assertNotNull(browser.get("ss-tok"));
    assertEquals(200, http.get("/idp-api/me", browser.headers()).status(), "the new family took over the session's grant");
    assertEquals(beforeConversion, verifying[0].last().headers().get("authorization"));
    assertEquals(1, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE provider_grant IS NOT NULL"), "moved, not copied");

    // The user's grant ends at the provider (an admin revokes it there).
    JsonObject grant = new JsonObject(storedGrant());
    assertEquals(200, op.revoke(grant.getString("refreshToken")));
    clock.advance(java.time.Duration.ofSeconds(45));
    Http.Response ended = http.get("/idp-api/me", browser.headers());
    assertEquals(401, ended.status());
    assertTrue(Http.responseStatus(ended).getString("message").contains("ended this sign-in"), ended.body().toString());
    JsonObject dropped = new JsonObject(storedGrant());
    assertNull(dropped.getString("refreshToken"), "the provider's tokens are dropped");
    assertNull(dropped.getString("accessToken"));
    assertNotNull(dropped.getString("idToken"), "the ID token stays, for a logout at the provider");
    op.resetStats();
    assertEquals(401, http.get("/idp-api/me", browser.headers()).status());
    assertEquals(0, op.stats().getJsonObject("tokenErrors").size() + op.tokenCalls("refresh_token"), "the provider is not asked again");
    assertEquals(200, http.get("/api/x", browser.headers()).status(), "the gateway's own sign-in is not the provider's to end");
  }

  @Test
  void aClientWithPrivateKeyJwtSignsInAndRefreshes(Vertx vertx) throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    java.security.KeyPair pair = generator.generateKeyPair();
    Path keyFile = dir.resolve("client-key.pem");
    java.nio.file.Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
      + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
      + "\n-----END PRIVATE KEY-----\n");
    java.security.interfaces.RSAPublicKey publicKey = (java.security.interfaces.RSAPublicKey) pair.getPublic();
    java.util.Base64.Encoder base64url = java.util.Base64.getUrlEncoder().withoutPadding();
    String e = base64url.encodeToString(unsigned(publicKey.getPublicExponent()));
    String n = base64url.encodeToString(unsigned(publicKey.getModulus()));
    // The gateway names its key by its RFC 7638 thumbprint.
    String kid = base64url.encodeToString(java.security.MessageDigest.getInstance("SHA-256")
      .digest(("{\"e\":\"" + e + "\",\"kty\":\"RSA\",\"n\":\"" + n + "\"}").getBytes(StandardCharsets.UTF_8)));
    JsonObject jwks = new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("kty", "RSA").put("e", e).put("n", n).put("kid", kid)));

    MutableClock clock = MutableClock.atNow();
    RecordingUpstream[] verifying = new RecordingUpstream[1];
    start(vertx, "tokens", new JsonObject().put("tokenEndpointAuthMethod", "private_key_jwt").put("clientJwks", jwks), gateway -> {
      providerOf(gateway).remove("clientSecret");
      providerOf(gateway).put("privateKeyFile", keyFile.toString());
      relayRoute(verifying[0] = verifyingUpstream(vertx)).accept(gateway);
    }, clock);
    CookieJar browser = new CookieJar();
    Http.Response back = callback(browser, op.signIn(begin(browser, "/"), "alice", true));
    assertEquals(302, back.status(), back.body().toString());
    assertEquals(1, op.tokenCalls("authorization_code"), "the OP took the code with the client's signed assertion");
    clock.advance(java.time.Duration.ofSeconds(45));
    assertEquals(200, http.get("/idp-api/me", browser.headers()).status());
    assertEquals(1, op.tokenCalls("refresh_token"), "and the refresh, with a new assertion");
  }

  private static byte[] unsigned(java.math.BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private String storedGrant() throws Exception {
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bff-gateway.db"));
         java.sql.Statement statement = connection.createStatement();
         java.sql.ResultSet rs = statement.executeQuery("SELECT group_concat(provider_grant) FROM families")) {
      rs.next();
      return String.valueOf(rs.getString(1));
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new java.util.HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int equals = pair.indexOf('=');
      params.put(java.net.URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
        java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return params;
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
