package dev.bffgateway.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Refresh tokens are not JWTs: 256 random bits, base64url, meaningless to anyone but the store, which keeps
 * only their SHA-256 so a leaked database does not leak usable tokens.
 */
public final class OpaqueTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private OpaqueTokens() {
  }

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return BASE64URL.encodeToString(bytes);
  }

  /** The SHA-256 of a token, base64url: what a store keeps and looks up by. */
  public static String hash(String token) {
    return BASE64URL.encodeToString(sha256(token.getBytes(StandardCharsets.US_ASCII)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
