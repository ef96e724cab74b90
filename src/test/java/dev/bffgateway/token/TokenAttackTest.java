package dev.bffgateway.token;

import dev.bffgateway.support.MutableClock;
import dev.bffgateway.token.TokenRejection.Reason;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One test per attack on the verifier; each must be rejected for its own reason. */
class TokenAttackTest {
  private final MutableClock clock = MutableClock.atNow();
  private static final TokenKey ec = TestKeys.generate(JwsAlgorithm.ES256, "ec");
  private static final TokenKey rsa = TestKeys.generate(JwsAlgorithm.RS256, "rsa");
  private final TokenVerifier verifier = new TokenVerifier(List.of(ec, rsa), TestKeys.ISSUER, List.of("orders-api"), 30, clock);

  @Test
  void acceptsTheUnmodifiedToken() throws TokenRejection {
    assertEquals("42", verifier.verify(signed(header("ES256", "ec"), claims(), ec)).subject());
  }

  @Test
  void algNone() {
    String unsigned = encode(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + encode(claims()) + ".";
    assertRejected(Reason.MALFORMED, unsigned);
    String withJunkSignature = encode(new JsonObject().put("alg", "none").put("kid", "ec")) + "." + encode(claims()) + ".AAAA";
    assertRejected(Reason.UNSUPPORTED_ALGORITHM, withJunkSignature);
  }

  @Test
  void algorithmThatNoKeyIsConfiguredFor() {
    assertRejected(Reason.UNSUPPORTED_ALGORITHM, hmac(header("HS512", "ec"), claims(), "x".repeat(64).getBytes(StandardCharsets.UTF_8)));
    assertRejected(Reason.UNSUPPORTED_ALGORITHM, hmac(header("HS256", "ec"), claims(), "x".repeat(64).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void hs256SignedWithThePublicKeyAsSecret() {
    // Key confusion: a verifier that lets the header pick the algorithm would HMAC with the public key.
    TokenKey hs = TestKeys.generate(JwsAlgorithm.HS256, "hs");
    TokenVerifier mixed = new TokenVerifier(List.of(ec, hs), TestKeys.ISSUER, List.of("orders-api"), 30, clock);
    byte[] publicKeyBytes = ec.verificationKey().getEncoded();
    String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(publicKeyBytes) + "\n-----END PUBLIC KEY-----\n";
    TokenRejection der = assertThrows(TokenRejection.class, () -> mixed.verify(hmac(header("HS256", "ec"), claims(), publicKeyBytes)));
    assertEquals(Reason.ALGORITHM_MISMATCH, der.reason());
    TokenRejection text = assertThrows(TokenRejection.class,
      () -> mixed.verify(hmac(header("HS256", "ec"), claims(), pem.getBytes(StandardCharsets.US_ASCII))));
    assertEquals(Reason.ALGORITHM_MISMATCH, text.reason());
  }

  @Test
  void rs256HeaderOnTheEcKey() {
    assertRejected(Reason.ALGORITHM_MISMATCH, signed(header("RS256", "ec"), claims(), rsa));
  }

  @Test
  void unknownOrMissingKid() {
    TokenKey stranger = TestKeys.generate(JwsAlgorithm.ES256, "stranger");
    assertRejected(Reason.UNKNOWN_KEY, signed(header("ES256", "stranger"), claims(), stranger));
    assertRejected(Reason.UNKNOWN_KEY, signed(new JsonObject().put("alg", "ES256"), claims(), ec));
    assertRejected(Reason.UNKNOWN_KEY, signed(header("ES256", null).put("kid", 7), claims(), ec));
  }

  @Test
  void signatureByAnotherKeyUnderOurKid() {
    TokenKey stranger = TestKeys.generate(JwsAlgorithm.ES256, "ec");
    assertRejected(Reason.BAD_SIGNATURE, signed(header("ES256", "ec"), claims(), stranger));
  }

  @Test
  void keyUrlsAndEmbeddedKeysInTheHeader() {
    for (String name : List.of("jku", "x5u", "jwk", "x5c", "crit")) {
      assertRejected(Reason.FORBIDDEN_HEADER, signed(header("ES256", "ec").put(name, "https://evil.example/keys"), claims(), ec));
    }
  }

  @Test
  void tamperedPayload() {
    String token = signed(header("ES256", "ec"), claims(), ec);
    String[] parts = token.split("\\.");
    String forged = parts[0] + "." + encode(claims().put("roles", new JsonArray().add("Admin"))) + "." + parts[2];
    assertRejected(Reason.BAD_SIGNATURE, forged);
  }

  @Test
  void badBase64AndStructure() {
    String token = signed(header("ES256", "ec"), claims(), ec);
    String[] parts = token.split("\\.");
    assertRejected(Reason.MALFORMED, parts[0] + "*." + parts[1] + "." + parts[2]);
    assertRejected(Reason.BAD_SIGNATURE, parts[0] + "." + parts[1] + "." + parts[2] + "A");
    assertRejected(Reason.MALFORMED, parts[0] + "." + parts[1] + ".!!!");
    assertRejected(Reason.MALFORMED, parts[0] + "." + parts[1]);
    assertRejected(Reason.MALFORMED, token + ".extra");
    assertRejected(Reason.MALFORMED, "..");
    assertRejected(Reason.MALFORMED, "");
    assertRejected(Reason.MALFORMED, encode(new JsonObject()).replace("e", "") + "." + parts[1] + "." + parts[2]);
    assertRejected(Reason.MALFORMED, Base64.getUrlEncoder().encodeToString("[1,2]".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2]);
  }

  @Test
  void tokensOverEightKilobytes() {
    String big = signed(header("ES256", "ec"), claims().put("padding", "x".repeat(8 * 1024)), ec);
    assertRejected(Reason.TOO_LARGE, big);
  }

  @Test
  void missingOrWrongIssuer() {
    assertRejected(Reason.WRONG_ISSUER, signed(header("ES256", "ec"), claims().put("iss", "https://evil.example"), ec));
    JsonObject noIssuer = claims();
    noIssuer.remove("iss");
    assertRejected(Reason.WRONG_ISSUER, signed(header("ES256", "ec"), noIssuer, ec));
  }

  @Test
  void missingOrWrongAudience() {
    assertRejected(Reason.WRONG_AUDIENCE, signed(header("ES256", "ec"), claims().put("aud", "billing-api"), ec));
    assertRejected(Reason.WRONG_AUDIENCE, signed(header("ES256", "ec"), claims().put("aud", new JsonArray().add("a").add("b")), ec));
    JsonObject noAudience = claims();
    noAudience.remove("aud");
    assertRejected(Reason.WRONG_AUDIENCE, signed(header("ES256", "ec"), noAudience, ec));
  }

  @Test
  void expiredBeyondTheLeeway() {
    long now = clock.millis() / 1000;
    assertRejected(Reason.EXPIRED, signed(header("ES256", "ec"), claims().put("exp", now - 31), ec));
    JsonObject noExpiry = claims();
    noExpiry.remove("exp");
    assertRejected(Reason.MISSING_CLAIM, signed(header("ES256", "ec"), noExpiry, ec));
    assertRejected(Reason.MALFORMED, signed(header("ES256", "ec"), claims().put("exp", "tomorrow"), ec));
  }

  @Test
  void notBeforeInTheFuture() throws TokenRejection {
    long now = clock.millis() / 1000;
    assertRejected(Reason.NOT_YET_VALID, signed(header("ES256", "ec"), claims().put("nbf", now + 31), ec));
    assertEquals("42", verifier.verify(signed(header("ES256", "ec"), claims().put("nbf", now + 30), ec)).subject());
  }

  @Test
  void refreshTypedTokenWhereAnAccessTokenIsExpected() {
    assertRejected(Reason.WRONG_TYPE, signed(header("ES256", "ec").put("typ", "JWTR"), claims(), ec));
  }

  @Test
  void missingSubject() {
    JsonObject noSubject = claims();
    noSubject.remove("sub");
    assertRejected(Reason.MISSING_CLAIM, signed(header("ES256", "ec"), noSubject, ec));
  }

  @Test
  void paddedSignature() {
    String token = signed(header("ES256", "ec"), claims(), ec);
    assertRejected(Reason.MALFORMED, token + "==");
  }

  @Test
  void paddedHeaderOrPayload() {
    String header = encode(header("ES256", "ec"));
    String payload = encode(claimsOfUnalignedLength());
    assertRejected(Reason.MALFORMED, signedInput(padded(header) + "." + payload, ec));
    assertRejected(Reason.MALFORMED, signedInput(header + "." + padded(payload), ec));
  }

  @Test
  void nonzeroUnusedBitsInTheLastCharacter() {
    // The same bytes decode from several strings unless the bits past the last byte must be zero.
    String header = encode(header("ES256", "ec"));
    String payload = encode(claimsOfUnalignedLength());
    assertRejected(Reason.MALFORMED, signedInput(withUnusedBitsSet(header) + "." + payload, ec));
    assertRejected(Reason.MALFORMED, signedInput(header + "." + withUnusedBitsSet(payload), ec));
    String[] parts = signedInput(header + "." + payload, ec).split("\\.");
    assertRejected(Reason.MALFORMED, parts[0] + "." + parts[1] + "." + withUnusedBitsSet(parts[2]));
  }

  @Test
  void highSEcdsaSignature() {
    // (r, n - s) verifies whenever (r, s) does: a second valid string for the same token.
    String[] parts = signed(header("ES256", "ec"), claims(), ec).split("\\.");
    byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    byte[] highS = P256_ORDER.subtract(s).toByteArray();
    Arrays.fill(signature, 32, 64, (byte) 0);
    int length = Math.min(highS.length, 32);
    System.arraycopy(highS, highS.length - length, signature, 64 - length, length);
    String flipped = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    assertRejected(Reason.BAD_SIGNATURE, flipped);
  }

  @Test
  void derEncodedEcdsaSignature() throws Exception {
    String input = encode(header("ES256", "ec")) + "." + encode(claims());
    Signature der = Signature.getInstance("SHA256withECDSA");
    der.initSign((PrivateKey) ec.signingKey());
    der.update(input.getBytes(StandardCharsets.US_ASCII));
    assertRejected(Reason.BAD_SIGNATURE, input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(der.sign()));
  }

  @Test
  void jsonWithComments() {
    String header = "{\"typ\":\"JWT\",/* ok */\"alg\":\"ES256\",\"kid\":\"ec\"}";
    assertRejected(Reason.MALFORMED, signedInput(base64url(header) + "." + encode(claims()), ec));
    String payload = claims().encode().replaceFirst("\\{", "{/* admin */");
    assertRejected(Reason.MALFORMED, signedInput(encode(header("ES256", "ec")) + "." + base64url(payload), ec));
    String lineComment = claims().encode().replaceFirst("\\{", "{// admin\n");
    assertRejected(Reason.MALFORMED, signedInput(encode(header("ES256", "ec")) + "." + base64url(lineComment), ec));
  }

  @Test
  void duplicateKeys() {
    // Two parsers may pick different copies of a duplicated member: refuse the ambiguity.
    String header = "{\"typ\":\"JWT\",\"alg\":\"ES256\",\"kid\":\"ec\",\"kid\":\"ec\"}";
    assertRejected(Reason.MALFORMED, signedInput(base64url(header) + "." + encode(claims()), ec));
    String payload = claims().encode().replaceFirst("\\}$", ",\"sub\":\"1\"}");
    assertRejected(Reason.MALFORMED, signedInput(encode(header("ES256", "ec")) + "." + base64url(payload), ec));
    String nested = claims().put("profile", new JsonObject().put("a", 1)).encode().replace("{\"a\":1}", "{\"a\":1,\"a\":2}");
    assertRejected(Reason.MALFORMED, signedInput(encode(header("ES256", "ec")) + "." + base64url(nested), ec));
  }

  private void assertRejected(Reason expected, String token) {
    TokenRejection rejection = assertThrows(TokenRejection.class, () -> verifier.verify(token));
    assertEquals(expected, rejection.reason());
    assertEquals(expected == Reason.EXPIRED ? "Token has expired" : "Token is invalid", rejection.clientMessage());
  }

  private JsonObject claims() {
    long now = clock.millis() / 1000;
    return new JsonObject().put("iss", TestKeys.ISSUER).put("sub", "42").put("aud", "orders-api")
      .put("iat", now).put("exp", now + 600).put("roles", new JsonArray()).put("perms", new JsonArray());
  }

  private static JsonObject header(String alg, String kid) {
    JsonObject header = new JsonObject().put("typ", "JWT").put("alg", alg);
    return kid == null ? header : header.put("kid", kid);
  }

  /** Signs with the key's own algorithm, whatever the header claims. */
  private static String signed(JsonObject header, JsonObject claims, TokenKey key) {
    return signedInput(encode(header) + "." + encode(claims), key);
  }

  private static final BigInteger P256_ORDER =
    new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
  private static final String BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** Claims whose encoding ends in a partial group, so its last character has unused bits. */
  private JsonObject claimsOfUnalignedLength() {
    JsonObject claims = claims();
    while (encode(claims).length() % 4 == 0) {
      claims.put("pad", claims.getString("pad", "") + "x");
    }
    return claims;
  }

  private static String padded(String part) {
    if (part.length() % 4 < 2) {
      throw new AssertionError("no padding for a part of length " + part.length());
    }
    return part + "=".repeat(4 - part.length() % 4);
  }

  private static String withUnusedBitsSet(String part) {
    if (part.length() % 4 < 2) {
      throw new AssertionError("no unused bits in a part of length " + part.length());
    }
    int last = BASE64URL_ALPHABET.indexOf(part.charAt(part.length() - 1));
    return part.substring(0, part.length() - 1) + BASE64URL_ALPHABET.charAt(last | 1);
  }

  private static String base64url(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Signs the given header.payload text as it is, with the key's own algorithm. */
  private static String signedInput(String input, TokenKey key) {
    try {
      Signature signature = Signature.getInstance(key.algorithm().jcaName());
      signature.initSign((PrivateKey) key.signingKey());
      signature.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(lowS(key, signature.sign()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** ECDSA signatures as a conforming signer writes them: s in the lower half of the group order. */
  private static byte[] lowS(TokenKey key, byte[] signature) {
    if (key.algorithm() != JwsAlgorithm.ES256) {
      return signature;
    }
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (s.compareTo(P256_ORDER.shiftRight(1)) <= 0) {
      return signature;
    }
    byte[] low = P256_ORDER.subtract(s).toByteArray();
    byte[] normalized = Arrays.copyOf(signature, 64);
    Arrays.fill(normalized, 32, 64, (byte) 0);
    int length = Math.min(low.length, 32);
    System.arraycopy(low, low.length - length, normalized, 64 - length, length);
    return normalized;
  }

  private static String hmac(JsonObject header, JsonObject claims, byte[] secret) {
    String input = encode(header) + "." + encode(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String encode(JsonObject json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
