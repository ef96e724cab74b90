package dev.bffgateway.credentials;

import dev.bffgateway.config.CredentialsConfig;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PBKDF2-HMAC-SHA256 password hashes as PHC strings: {@code $pbkdf2-sha256$i=600000$<salt>$<hash>}, salt and
 * hash in unpadded standard base64. 600,000 iterations is OWASP's 2023 figure. CPU-bound for a noticeable
 * time: call it off the event loop.
 */
public final class PasswordHash {
  public static final int DEFAULT_ITERATIONS = CredentialsConfig.DEFAULT_HASH_ITERATIONS;
  private static final Pattern PHC = Pattern.compile("\\$pbkdf2-sha256\\$i=(\\d{1,9})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();

  private final int iterations;
  private final byte[] salt;
  private final byte[] hash;

  private PasswordHash(int iterations, byte[] salt, byte[] hash) {
    this.iterations = iterations;
    this.salt = salt;
    this.hash = hash;
  }

  /** Parses a PHC string; null when it is not one of ours. */
  public static PasswordHash parse(String phc) {
    Matcher matcher = phc == null ? null : PHC.matcher(phc);
    if (matcher == null || !matcher.matches()) {
      return null;
    }
    int iterations = Integer.parseInt(matcher.group(1));
    byte[] salt = Base64.getDecoder().decode(matcher.group(2));
    byte[] hash = Base64.getDecoder().decode(matcher.group(3));
    if (iterations < 1 || salt.length < 8 || hash.length < 16) {
      return null;
    }
    return new PasswordHash(iterations, salt, hash);
  }

  public static String create(char[] password, int iterations) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, iterations, 32);
    return "$pbkdf2-sha256$i=" + iterations + "$" + BASE64.encodeToString(salt) + "$" + BASE64.encodeToString(hash);
  }

  public int iterations() {
    return iterations;
  }

  /** Constant-time comparison of the derived key. */
  public boolean matches(char[] password) {
    return MessageDigest.isEqual(derive(password, salt, iterations, hash.length), hash);
  }

  private static byte[] derive(char[] password, byte[] salt, int iterations, int length) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, length * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
    }
  }
}
