package dev.bffgateway.token;

import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.KeyConfig;
import dev.bffgateway.config.TokensConfig;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenSigningTest {
  private static final Identity ALICE = new Identity("42", "alice", "Alice Liddell", "alice@example.com",
    List.of("Admin"), List.of("orders.read"));

  private final MutableClock clock = MutableClock.atNow();

  @ParameterizedTest
  @EnumSource(JwsAlgorithm.class)
  void signsAndVerifiesWithEveryAlgorithm(JwsAlgorithm algorithm) throws TokenRejection {
    TokenKey key = TestKeys.generate(algorithm, "k-" + algorithm);
    TokensConfig config = TestKeys.config(List.of("orders-api"));
    AccessTokenIssuer issuer = new AccessTokenIssuer(new TokenSigner(key), config, clock);
    TokenVerifier verifier = new TokenVerifier(List.of(key), TestKeys.ISSUER, List.of("orders-api"), 30, clock);

    AccessTokenIssuer.Issued issued = issuer.issue(ALICE);
    VerifiedToken verified = verifier.verify(issued.token());

    assertEquals("42", verified.subject());
    assertEquals("k-" + algorithm, verified.kid());
    assertEquals(List.of("Admin"), verified.roles());
    assertEquals(List.of("orders.read"), verified.permissions());
    JsonObject header = part(issued.token(), 0);
    assertEquals(new JsonObject().put("typ", "JWT").put("alg", algorithm.name()).put("kid", "k-" + algorithm), header);
    JsonObject claims = part(issued.token(), 1);
    long now = clock.millis() / 1000;
    assertEquals(TestKeys.ISSUER, claims.getString("iss"));
    assertEquals("42", claims.getString("sub"));
    assertEquals(now, claims.getLong("iat"));
    assertEquals(now + 900, claims.getLong("exp"));
    assertEquals(now + 900, issued.expiresAt());
    assertEquals("orders-api", claims.getValue("aud"), "one audience is a plain string");
    assertEquals("Alice Liddell", claims.getString("name"));
    assertEquals("alice", claims.getString("preferred_username"));
    assertEquals("alice@example.com", claims.getString("email"));
    assertEquals(new JsonArray().add("Admin"), claims.getJsonArray("roles"));
    assertEquals(new JsonArray().add("orders.read"), claims.getJsonArray("perms"));
    assertEquals(43, claims.getString("jti").length(), "256 random bits");
  }

  @ParameterizedTest
  @EnumSource(value = JwsAlgorithm.class, names = {"ES256", "RS256", "EdDSA"})
  void aVertxBackendVerifiesFromTheJwksAlone(JwsAlgorithm algorithm) {
    TokenKey key = TestKeys.generate(algorithm, null);
    JsonObject published = new JsonObject(Tokens.jwks(new TokenKeys(List.of(key), key)).encode());
    List<JsonObject> jwks = List.of(published.getJsonArray("keys").getJsonObject(0));
    String token = new AccessTokenIssuer(new TokenSigner(key), TestKeys.config(List.of()), clock).issue(ALICE).token();
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth backend = JWTAuth.create(vertx, new JWTAuthOptions().setJwks(jwks)
        .setJWTOptions(new JWTOptions().setIssuer(TestKeys.ISSUER)));
      User user = backend.authenticate(new TokenCredentials(token)).await();
      assertEquals("42", user.principal().getString("sub"));
      String[] parts = token.split("\\.");
      String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        part(token, 1).put("sub", "1").encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      assertThrows(Exception.class, () -> backend.authenticate(new TokenCredentials(forged)).await());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void anEs256SignatureWhoseRBeginsLikeDerIsNeitherSentNorAccepted() {
    // vertx-auth-jwt would read such a raw signature as DER: the signer signs again, the verifier refuses it.
    byte[] signature = new byte[64];
    signature[0] = 0x30;
    signature[1] = 62;
    signature[63] = 1;
    assertNull(StrictJws.canonicalEs256("e30.e30." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature)));
    assertFalse(StrictJws.canonicalEs256(signature));
    signature[1] = 61;
    assertTrue(StrictJws.canonicalEs256(signature));
  }

  @Test
  void everyEs256SignatureHasALowS() throws TokenRejection {
    // The verifier accepts only low-S signatures; ECDSA produces a high S half of the time.
    TokenKey key = TestKeys.generate(JwsAlgorithm.ES256, "ec");
    AccessTokenIssuer issuer = new AccessTokenIssuer(new TokenSigner(key), TestKeys.config(List.of()), clock);
    TokenVerifier verifier = new TokenVerifier(List.of(key), TestKeys.ISSUER, List.of(), 30, clock);
    for (int i = 0; i < 64; i++) {
      assertEquals("42", verifier.verify(issuer.issue(ALICE).token()).subject());
    }
  }

  @Test
  void severalAudiencesAreAnArrayAndEachTokenHasItsOwnJti() throws TokenRejection {
    TokenKey key = TestKeys.generate(JwsAlgorithm.ES256, "k");
    TokensConfig config = TestKeys.config(List.of("orders-api", "billing-api"));
    AccessTokenIssuer issuer = new AccessTokenIssuer(new TokenSigner(key), config, clock);
    TokenVerifier billingOnly = new TokenVerifier(List.of(key), TestKeys.ISSUER, List.of("billing-api"), 30, clock);

    String first = issuer.issue(ALICE).token();
    assertEquals(new JsonArray().add("orders-api").add("billing-api"), part(first, 1).getJsonArray("aud"));
    assertEquals("42", billingOnly.verify(first).subject());
    assertNotEquals(part(first, 1).getString("jti"), part(issuer.issue(ALICE).token(), 1).getString("jti"));
  }

  @Test
  void rotationKeepsOldTokensValidUntilTheOldKeyIsRemoved() throws TokenRejection {
    TokenKey old = TestKeys.generate(JwsAlgorithm.ES256, "old");
    TokenKey fresh = TestKeys.generate(JwsAlgorithm.ES256, "new");
    TokensConfig config = TestKeys.config(List.of());
    String before = new AccessTokenIssuer(new TokenSigner(old), config, clock).issue(ALICE).token();

    // Step 1 of a rotation: the new key signs, the old one still verifies.
    TokenVerifier both = new TokenVerifier(List.of(fresh, old), TestKeys.ISSUER, List.of(), 30, clock);
    String after = new AccessTokenIssuer(new TokenSigner(fresh), config, clock).issue(ALICE).token();
    assertEquals("old", both.verify(before).kid());
    assertEquals("new", both.verify(after).kid());
    assertEquals("new", part(after, 0).getString("kid"));

    // Step 2, once the old key's tokens have expired: remove it.
    TokenVerifier newOnly = new TokenVerifier(List.of(fresh), TestKeys.ISSUER, List.of(), 30, clock);
    TokenRejection rejected = assertThrows(TokenRejection.class, () -> newOnly.verify(before));
    assertEquals(TokenRejection.Reason.UNKNOWN_KEY, rejected.reason());
    assertEquals("Token is invalid", rejected.clientMessage());
  }

  @Test
  void generatesTheDefaultKeyOnceAndReusesItAfterARestart(@TempDir Path dataDir) throws Exception {
    TokensConfig config = TestKeys.config(List.of());
    TokenKeys first = TokenKeys.load(config, dataDir);
    TokenKeys second = TokenKeys.load(config, dataDir);

    assertEquals(JwsAlgorithm.ES256, first.signing().algorithm());
    assertEquals(first.signing().kid(), second.signing().kid());
    Path file = dataDir.resolve("keys/es256.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

    String token = new AccessTokenIssuer(new TokenSigner(first.signing()), config, clock).issue(ALICE).token();
    assertEquals("42", new TokenVerifier(second.all(), TestKeys.ISSUER, List.of(), 30, clock).verify(token).subject());
  }

  @Test
  void kidIsTheRfc7638ThumbprintUnlessSet() {
    // The RFC 7638 §3.1 example key and its published thumbprint.
    JsonObject rfcExample = new JsonObject()
      .put("e", "AQAB")
      .put("kty", "RSA")
      .put("n", "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        + "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91Cb"
        + "OpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw");
    assertEquals("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", PemKeys.thumbprint(rfcExample));

    TokenKey unnamed = TestKeys.generate(JwsAlgorithm.ES256, null);
    JsonObject jwk = unnamed.publicJwk();
    JsonObject required = new JsonObject().put("crv", "P-256").put("kty", "EC").put("x", jwk.getString("x")).put("y", jwk.getString("y"));
    assertEquals(PemKeys.thumbprint(required), unnamed.kid());
  }

  @Test
  void refusesUnusableKeyConfigurations(@TempDir Path dir) throws Exception {
    Path publicOnly = dir.resolve("public.pem");
    String pair = PemKeys.write(PemKeys.generate(JwsAlgorithm.ES256));
    Files.writeString(publicOnly, pair.substring(pair.indexOf("-----BEGIN PUBLIC KEY-----")));
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key");
    Path traditional = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    Path mismatched = dir.resolve("mismatched.pem");
    String other = PemKeys.write(PemKeys.generate(JwsAlgorithm.ES256));
    Files.writeString(mismatched, pair.substring(0, pair.indexOf("-----BEGIN PUBLIC KEY-----"))
      + other.substring(other.indexOf("-----BEGIN PUBLIC KEY-----")));

    TokensConfig config = new TokensConfig(TestKeys.ISSUER, List.of(), 900, 30, 100, 300, true, 5, List.of(
      new KeyConfig(null, publicOnly, null, true, "tokens.keys[0]"),
      new KeyConfig(null, garbage, null, false, "tokens.keys[1]"),
      new KeyConfig(null, traditional, null, false, "tokens.keys[2]"),
      new KeyConfig(null, mismatched, null, false, "tokens.keys[3]"),
      new KeyConfig("same", null, TestKeys.SECRET, false, "tokens.keys[4]"),
      new KeyConfig("same", null, TestKeys.SECRET, false, "tokens.keys[5]")));
    ConfigException e = assertThrows(ConfigException.class, () -> TokenKeys.load(config, dir));
    assertEquals(List.of(
      "tokens.keys[0]: signs new tokens but holds no private key",
      "tokens.keys[1].pem: " + garbage + " holds no \"PRIVATE KEY\" or \"PUBLIC KEY\" PEM block",
      "tokens.keys[2].pem: " + traditional + " holds a traditional \"RSA PRIVATE KEY\"; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW",
      "tokens.keys[3].pem: " + mismatched + " holds a private key and a public key that do not belong together",
      "tokens.keys[5]: kid \"same\" is already the kid of tokens.keys[4]"), e.errors());
  }

  @Test
  void jwksPublishesPublicKeysButNeverSecrets() {
    TokenKey ec = TestKeys.generate(JwsAlgorithm.ES256, "ec");
    TokenKey hs = TestKeys.generate(JwsAlgorithm.HS256, "hs");
    JsonObject jwks = Tokens.jwks(new TokenKeys(List.of(hs, ec), hs));
    JsonArray keys = jwks.getJsonArray("keys");
    assertEquals(1, keys.size());
    JsonObject published = keys.getJsonObject(0);
    assertEquals("ec", published.getString("kid"));
    assertEquals("ES256", published.getString("alg"));
    assertEquals("sig", published.getString("use"));
    assertFalse(published.containsKey("d"), "a private key part was published");
    assertFalse(jwks.encode().contains(Base64.getUrlEncoder().withoutPadding().encodeToString(TestKeys.SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void issuedTokensExpireAfterTheirTtlPlusLeeway() throws TokenRejection {
    TokenKey key = TestKeys.generate(JwsAlgorithm.ES256, "k");
    TokensConfig config = TestKeys.config(List.of());
    String token = new AccessTokenIssuer(new TokenSigner(key), config, clock).issue(ALICE).token();
    TokenVerifier verifier = new TokenVerifier(List.of(key), TestKeys.ISSUER, List.of(), 30, clock);

    clock.advance(Duration.ofSeconds(900 + 30));
    assertEquals("42", verifier.verify(token).subject(), "still inside the leeway");
    clock.advance(Duration.ofSeconds(1));
    TokenRejection expired = assertThrows(TokenRejection.class, () -> verifier.verify(token));
    assertEquals(TokenRejection.Reason.EXPIRED, expired.reason());
    assertEquals("Token has expired", expired.clientMessage());
  }

  @Test
  void refreshTokensAreOpaqueAndStoredAsTheirHash() {
    String token = OpaqueTokens.generate();
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
    assertNotEquals(token, OpaqueTokens.generate());
    assertEquals(OpaqueTokens.hash(token), OpaqueTokens.hash(token));
    assertNotEquals(token, OpaqueTokens.hash(token));
    assertEquals(43, OpaqueTokens.hash(token).length());
  }

  static JsonObject part(String token, int index) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8));
  }
}
