package dev.bffgateway.support;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test OpenID Provider itself (src/test/oidc/provider.mjs through {@link OidcProvider}), as a relying party
 * of our own would use it: discovery, code flow with PKCE through its login and consent pages, the code exchange
 * with client_secret_basic, the ID token's claims, single-use refresh tokens, denied consent, back-channel logout.
 */
// Not an assumption in start(): one failing in @BeforeAll leaves surefire reporting no tests at all, not skipped ones.
@EnabledIf(value = "dev.bffgateway.support.OidcProvider#installed", disabledReason = OidcProvider.NOT_INSTALLED)
class OidcProviderTest {
  @TempDir
  static Path dir;
  static Vertx vertx;
  static HttpServer client;
  static final BlockingQueue<MultiMap> callbacks = new LinkedBlockingQueue<>();
  static final BlockingQueue<MultiMap> logouts = new LinkedBlockingQueue<>();
  static OidcProvider op;
  static JsonObject discovery;
  static String redirectUri;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    // A tiny relying party: records the callback's query and the back-channel logout's form.
    client = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/callback")) {
        callbacks.add(MultiMap.caseInsensitiveMultiMap().addAll(request.params()));
        request.response().end("signed in");
      } else if (request.path().equals("/backchannel-logout")) {
        request.setExpectMultipart(true);
        request.endHandler(v -> {
          logouts.add(MultiMap.caseInsensitiveMultiMap().addAll(request.formAttributes()));
          request.response().setStatusCode(200).end();
        });
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    String base = "http://127.0.0.1:" + client.actualPort();
    redirectUri = base + "/callback";
    op = OidcProvider.start(dir, List.of(redirectUri), new JsonObject().put("backchannelLogoutUri", base + "/backchannel-logout"));
    discovery = new JsonObject(get(op.issuer() + "/.well-known/openid-configuration").body());
  }

  @AfterAll
  static void stop() throws Exception {
    if (op != null) {
      op.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void discoveryDescribesTheProvider() {
    assertEquals(op.issuer(), discovery.getString("issuer"));
    assertTrue(op.issuer().startsWith("http://127.0.0.1:"), op.issuer());
    assertEquals(List.of("S256"), discovery.getJsonArray("code_challenge_methods_supported").getList());
    assertEquals(List.of("code"), discovery.getJsonArray("response_types_supported").getList());
    assertEquals(op.issuer() + "/token", discovery.getString("token_endpoint"));
    assertEquals(op.issuer() + "/jwks", discovery.getString("jwks_uri"));
    assertNotNull(discovery.getString("end_session_endpoint"));
    assertNotNull(discovery.getString("revocation_endpoint"));
    assertEquals(Boolean.TRUE, discovery.getBoolean("backchannel_logout_supported"));
    assertEquals(Boolean.TRUE, discovery.getBoolean("authorization_response_iss_parameter_supported"));
  }

  @Test
  void aliceSignsInAndTheCodeBuysAnIdTokenAndASingleUseRefreshToken() throws Exception {
    String verifier = random();
    String state = random();
    String nonce = random();
    String location = op.signIn(authorizationUrl(state, nonce, challenge(verifier)), "alice", true);

    assertTrue(location.startsWith(redirectUri + "?"), location);
    get(location); // the "browser" comes back to the client
    MultiMap callback = callbacks.poll(5, TimeUnit.SECONDS);
    assertNotNull(callback);
    assertEquals(state, callback.get("state"));
    assertEquals(op.issuer(), callback.get("iss"));
    String code = callback.get("code");
    assertNotNull(code);

    int codeCallsBefore = op.tokenCalls("authorization_code");
    JsonObject tokens = token(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", redirectUri,
      "code_verifier", verifier));
    assertEquals("Bearer", tokens.getString("token_type"));
    assertNotNull(tokens.getString("access_token"));
    String refreshToken = tokens.getString("refresh_token");
    assertNotNull(refreshToken);
    assertEquals(codeCallsBefore + 1, op.tokenCalls("authorization_code"));

    JWTClaimsSet id = verified(tokens.getString("id_token"));
    assertEquals(op.issuer(), id.getIssuer());
    assertEquals("alice-sub", id.getSubject());
    assertEquals(List.of(OidcProvider.CLIENT_ID), id.getAudience());
    assertEquals(nonce, id.getStringClaim("nonce"));
    assertEquals("alice", id.getStringClaim("preferred_username"));
    assertEquals("Alice Liddell", id.getStringClaim("name"));
    assertEquals("alice@example.com", id.getStringClaim("email"));
    assertEquals(List.of("Admin"), id.getStringListClaim("roles"));
    assertEquals(Map.of("roles", List.of("Admin")), id.getJSONObjectClaim("realm_access"));
    assertNotNull(id.getStringClaim("sid"));

    JWTClaimsSet access = verified(tokens.getString("access_token"));
    assertEquals(List.of("urn:bff-gateway:upstream"), access.getAudience());
    assertEquals("alice-sub", access.getSubject());
    assertEquals(OidcProvider.CLIENT_ID, access.getStringClaim("client_id"));
    long ttl = (access.getExpirationTime().getTime() - access.getIssueTime().getTime()) / 1000;
    assertEquals(60, ttl);

    // A refresh returns a new refresh token; the old one is dead and counted as an error, not as a refresh.
    int refreshesBefore = op.tokenCalls("refresh_token");
    JsonObject refreshed = token(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
    assertNotEquals(refreshToken, refreshed.getString("refresh_token"));
    assertEquals("alice-sub", verified(refreshed.getString("id_token")).getSubject());
    assertEquals(refreshesBefore + 1, op.tokenCalls("refresh_token"));
    assertEquals("invalid_grant", tokenError(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken)));
    assertEquals(refreshesBefore + 1, op.tokenCalls("refresh_token"));
    assertTrue(op.stats().getJsonObject("tokenErrors").getInteger("refresh_token") >= 1);

    // Back-channel logout: a logout_token for alice's sub and sid reaches the client's backchannel_logout_uri.
    assertEquals(200, op.backchannelLogout("alice-sub", null));
    MultiMap logout = logouts.poll(5, TimeUnit.SECONDS);
    assertNotNull(logout);
    JWTClaimsSet logoutToken = verified(logout.get("logout_token"));
    assertEquals("alice-sub", logoutToken.getSubject());
    assertEquals(id.getStringClaim("sid"), logoutToken.getStringClaim("sid"));
    assertEquals(List.of(OidcProvider.CLIENT_ID), logoutToken.getAudience());
    assertNotNull(logoutToken.getJSONObjectClaim("events").get("http://schemas.openid.net/event/backchannel-logout"));
    assertNull(logoutToken.getClaim("nonce"));

    // The code is single-use, and its replay revokes what it bought (RFC 6749 4.1.2).
    assertEquals("invalid_grant", tokenError(Map.of("grant_type", "authorization_code", "code", code,
      "redirect_uri", redirectUri, "code_verifier", verifier)));
    assertEquals("invalid_grant", tokenError(Map.of("grant_type", "refresh_token", "refresh_token", refreshed.getString("refresh_token"))));
  }

  @Test
  void theCodeNeedsItsVerifier() throws Exception {
    String verifier = random();
    String location = op.signIn(authorizationUrl(random(), random(), challenge(verifier)), "bob", true);
    String code = query(location).get("code");
    assertEquals("invalid_grant", tokenError(Map.of("grant_type", "authorization_code", "code", code,
      "redirect_uri", redirectUri, "code_verifier", random())));
  }

  @Test
  void anAuthorizationRequestWithoutPkceIsRefused() {
    String url = discovery.getString("authorization_endpoint") + "?" + form(Map.of("response_type", "code",
      "client_id", OidcProvider.CLIENT_ID, "redirect_uri", redirectUri, "scope", "openid", "state", "s1"));
    Map<String, String> answer = query(op.signIn(url, "alice", true));
    assertEquals("invalid_request", answer.get("error"));
    assertEquals("s1", answer.get("state"));
  }

  @Test
  void deniedConsentComesBackAsAccessDenied() {
    String state = random();
    String location = op.signIn(authorizationUrl(state, random(), challenge(random())), "bob", false);
    assertTrue(location.startsWith(redirectUri + "?"), location);
    Map<String, String> answer = query(location);
    assertEquals("access_denied", answer.get("error"));
    assertEquals(state, answer.get("state"));
    assertEquals(op.issuer(), answer.get("iss"));
    assertNull(answer.get("code"));
  }

  private static String authorizationUrl(String state, String nonce, String challenge) {
    return discovery.getString("authorization_endpoint") + "?" + form(Map.of(
      "response_type", "code",
      "client_id", OidcProvider.CLIENT_ID,
      "redirect_uri", redirectUri,
      "scope", "openid profile email",
      "state", state,
      "nonce", nonce,
      "code_challenge", challenge,
      "code_challenge_method", "S256"));
  }

  private static JsonObject token(Map<String, String> params) throws Exception {
    HttpResponse<String> response = postToken(params);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static String tokenError(Map<String, String> params) throws Exception {
    HttpResponse<String> response = postToken(params);
    assertEquals(400, response.statusCode(), response.body());
    return new JsonObject(response.body()).getString("error");
  }

  /** client_secret_basic: HTTP Basic with the form-urlencoded client id and secret. */
  private static HttpResponse<String> postToken(Map<String, String> params) throws Exception {
    String basic = Base64.getEncoder().encodeToString((encode(OidcProvider.CLIENT_ID) + ":" + encode(OidcProvider.CLIENT_SECRET))
      .getBytes(StandardCharsets.UTF_8));
    return http.send(HttpRequest.newBuilder(URI.create(discovery.getString("token_endpoint")))
      .header("Authorization", "Basic " + basic)
      .header("Content-Type", "application/x-www-form-urlencoded")
      .POST(HttpRequest.BodyPublishers.ofString(form(params)))
      .timeout(Duration.ofSeconds(10))
      .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Checks the RS256 signature against the OP's JWKS and returns the claims. */
  private static JWTClaimsSet verified(String jwt) throws Exception {
    SignedJWT signed = SignedJWT.parse(jwt);
    JWKSet jwks = JWKSet.parse(get(discovery.getString("jwks_uri")).body());
    RSAKey key = (RSAKey) jwks.getKeyByKeyId(signed.getHeader().getKeyID());
    assertNotNull(key, "no JWK " + signed.getHeader().getKeyID());
    assertEquals("RS256", signed.getHeader().getAlgorithm().getName());
    assertTrue(signed.verify(new RSASSAVerifier(key)), "bad signature");
    return signed.getJWTClaimsSet();
  }

  private static HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, String> query(String url) {
    return Arrays.stream(URI.create(url).getRawQuery().split("&"))
      .map(pair -> pair.split("=", 2))
      .collect(Collectors.toMap(p -> decode(p[0]), p -> p.length > 1 ? decode(p[1]) : ""));
  }

  private static String random() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String challenge(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String form(Map<String, String> params) {
    return params.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&"));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
