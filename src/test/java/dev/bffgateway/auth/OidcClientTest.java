package dev.bffgateway.auth;

import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.support.LogCapture;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Discovery against a provider of a few lines: the keys it hands to Vert.x, and when it reads them again. Sign-in
 * itself is tested against a real provider in {@link OidcSignInTest}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class OidcClientTest {
  private final MutableClock clock = MutableClock.atNow();
  private final AtomicInteger jwksReads = new AtomicInteger();
  private volatile int jwksStatus = 200;
  private volatile boolean jwksSilent;
  private volatile String advertisedIssuer;
  private String issuer;

  @BeforeEach
  void startProvider(Vertx vertx) throws Exception {
    JsonObject jwks = new JsonObject().put("keys", new JsonArray()
      .add(rsaKey().put("kid", "signing").put("use", "sig").put("alg", "RS256"))
      .add(rsaKey().put("kid", "unmarked").put("alg", "RS256"))
      .add(rsaKey().put("kid", "encryption").put("use", "enc").put("alg", "RSA-OAEP")));
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/.well-known/openid-configuration")) {
        request.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("issuer", advertisedIssuer).put("authorization_endpoint", issuer + "/auth").put("token_endpoint", issuer + "/token")
          .put("jwks_uri", issuer + "/jwks").encode());
      } else if (request.path().equals("/jwks")) {
        jwksReads.incrementAndGet();
        if (jwksSilent) {
          return;
        }
        request.response().setStatusCode(jwksStatus).putHeader("content-type", "application/json")
          .putHeader("cache-control", "public, max-age=600").end(jwks.encode());
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    issuer = "http://127.0.0.1:" + server.actualPort();
    advertisedIssuer = issuer;
  }

  private OidcClient client(Vertx vertx) {
    return new OidcClient(vertx, config(), null, clock);
  }

  private OidcConfig config() {
    return new OidcConfig("test", issuer, "bff-gateway", "secret", null, List.of("openid"), "preferred_username",
      "name", "email", null, Set.of(), null, null, null);
  }

  @Test
  void aProviderThatNeverAnswersFailsTheDiscoveryWhichTheNextUseTriesAgain(Vertx vertx) {
    jwksSilent = true;
    OidcClient client = new OidcClient(vertx, config(), null, clock, 300);
    Exception timedOut = assertThrows(Exception.class, () -> client.provider().await());
    assertTrue(timedOut.getMessage().contains("timeout"), timedOut.getMessage());
    jwksSilent = false;
    client.provider().await();
    assertEquals(2, jwksReads.get());
  }

  @Test
  void onlyKeysForSignaturesGoToVertx() {
    JsonObject jwks = new JsonObject().put("keys", new JsonArray()
      .add(new JsonObject().put("kid", "a").put("use", "sig"))
      .add(new JsonObject().put("kid", "b"))
      .add(new JsonObject().put("kid", "c").put("use", "enc"))
      .add("not a key"));
    assertEquals(List.of("a", "b"), OidcClient.signingKeys(jwks).stream().map(key -> key.getString("kid")).toList());
  }

  @Test
  void theKeysAreReadAgainAfterTheirMaxAgeAndKeptWhenThatFails(Vertx vertx) {
    OidcClient client = client(vertx);
    var provider = client.provider().await();
    assertSame(provider, client.provider().await(), "discovered once");
    assertEquals(1, jwksReads.get());

    clock.advance(Duration.ofSeconds(599));
    assertSame(provider, client.provider().await(), "within the JWK Set's max-age");
    clock.advance(Duration.ofSeconds(1));
    var renewed = client.provider().await();
    assertNotSame(provider, renewed, "a new provider with the keys read again");
    assertEquals(2, jwksReads.get());

    jwksStatus = 503;
    clock.advance(Duration.ofSeconds(600));
    try (LogCapture log = LogCapture.of(OidcClient.class)) {
      assertSame(renewed, client.provider().await(), "the provider is down: the old keys stay");
      assertEquals(List.of("WARN test: reading the provider's keys again failed, the old ones stay for now: " + issuer + "/jwks answered 503"),
        log.warnings());
    }
    assertEquals(3, jwksReads.get());
    clock.advance(Duration.ofSeconds(59));
    assertSame(renewed, client.provider().await());
    assertEquals(3, jwksReads.get(), "tried again only after a minute");
    jwksStatus = 200;
    clock.advance(Duration.ofSeconds(1));
    assertNotSame(renewed, client.provider().await());
    assertEquals(4, jwksReads.get());
  }

  @Test
  void aDiscoveryDocumentOfAnotherIssuerIsRefused(Vertx vertx) {
    advertisedIssuer = "https://elsewhere.example";
    OidcClient client = client(vertx);
    Exception refused = assertThrows(Exception.class, () -> client.provider().await());
    assertTrue(refused.getMessage().contains("names the issuer https://elsewhere.example"), refused.getMessage());
    assertEquals(0, jwksReads.get());
  }

  private static JsonObject rsaKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    RSAPublicKey key = (RSAPublicKey) generator.generateKeyPair().getPublic();
    return new JsonObject().put("kty", "RSA").put("n", base64Url(key.getModulus())).put("e", base64Url(key.getPublicExponent()));
  }

  private static String base64Url(BigInteger value) {
    byte[] bytes = value.toByteArray();
    int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(bytes, skip, bytes.length));
  }
}
