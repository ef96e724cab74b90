package dev.bffgateway.token;

import dev.bffgateway.token.TokenRejection.Reason;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies access tokens against every key of the key set, trusting nothing the token says about how to verify
 * it: the algorithm must be one the named key was configured with (no {@code none}, no HS256 signed with a
 * public key), the key must be ours (no {@code jku}, {@code x5u}, {@code jwk}), and issuer, audience and times
 * must match. Immutable and thread-safe; each call allocates its own JCA objects.
 */
public final class TokenVerifier {
  static final int MAX_TOKEN_LENGTH = 8 * 1024;
  private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c", "crit");
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

  private final Map<String, TokenKey> keysByKid = new HashMap<>();
  private final TokenKey soleKey;
  private final Set<JwsAlgorithm> algorithms = EnumSet.noneOf(JwsAlgorithm.class);
  private final String issuer;
  private final Set<String> audience;
  private final long leewaySeconds;
  private final Clock clock;

  public TokenVerifier(List<TokenKey> keys, String issuer, List<String> audience, long leewaySeconds, Clock clock) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one key");
    }
    for (TokenKey key : keys) {
      keysByKid.put(key.kid(), key);
      algorithms.add(key.algorithm());
    }
    this.soleKey = keys.size() == 1 ? keys.get(0) : null;
    this.issuer = issuer;
    this.audience = Set.copyOf(audience);
    this.leewaySeconds = leewaySeconds;
    this.clock = clock;
  }

  public Set<String> kids() {
    return keysByKid.keySet();
  }

  public long leewaySeconds() {
    return leewaySeconds;
  }

  public VerifiedToken verify(String token) throws TokenRejection {
    if (token == null || token.isEmpty()) {
      throw new TokenRejection(Reason.MALFORMED);
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new TokenRejection(Reason.TOO_LARGE);
    }
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (firstDot <= 0 || secondDot < 0 || secondDot == firstDot + 1 || secondDot == token.length() - 1
      || token.indexOf('.', secondDot + 1) >= 0) {
      throw new TokenRejection(Reason.MALFORMED);
    }
    JsonObject header = json(token.substring(0, firstDot));
    TokenKey key = key(header);
    byte[] signature = decode(token.substring(secondDot + 1));
    if (!signatureMatches(key, token.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII), signature)) {
      throw new TokenRejection(Reason.BAD_SIGNATURE);
    }
    JsonObject claims = json(token.substring(firstDot + 1, secondDot));
    return checkClaims(claims, key);
  }

  private TokenKey key(JsonObject header) throws TokenRejection {
    for (String name : FORBIDDEN_HEADERS) {
      if (header.containsKey(name)) {
        throw new TokenRejection(Reason.FORBIDDEN_HEADER);
      }
    }
    JwsAlgorithm algorithm = header.getValue("alg") instanceof String name ? JwsAlgorithm.fromHeader(name) : null;
    if (algorithm == null || !algorithms.contains(algorithm)) {
      throw new TokenRejection(Reason.UNSUPPORTED_ALGORITHM);
    }
    Object type = header.getValue("typ");
    if (type != null && !(type instanceof String text && text.equalsIgnoreCase("JWT"))) {
      // ServiceStack marks its refresh tokens "JWTR": never accept one where an access token is expected.
      throw new TokenRejection(Reason.WRONG_TYPE);
    }
    Object kid = header.getValue("kid");
    TokenKey key = kid == null ? soleKey : kid instanceof String name ? keysByKid.get(name) : null;
    if (key == null) {
      throw new TokenRejection(Reason.UNKNOWN_KEY);
    }
    if (key.algorithm() != algorithm) {
      throw new TokenRejection(Reason.ALGORITHM_MISMATCH);
    }
    return key;
  }

  private static boolean signatureMatches(TokenKey key, byte[] signingInput, byte[] signature) {
    try {
      if (key.algorithm().symmetric()) {
        Mac mac = Mac.getInstance(key.algorithm().jcaName());
        mac.init(key.verificationKey());
        return MessageDigest.isEqual(mac.doFinal(signingInput), signature);
      }
      Signature verifier = Signature.getInstance(key.algorithm().jcaName());
      verifier.initVerify((PublicKey) key.verificationKey());
      verifier.update(signingInput);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // A signature of the wrong length or encoding is simply a bad signature.
      return false;
    }
  }

  private VerifiedToken checkClaims(JsonObject claims, TokenKey key) throws TokenRejection {
    long now = clock.millis() / 1000;
    long expiresAt = numericDate(claims, "exp", true);
    if (now > expiresAt + leewaySeconds) {
      throw new TokenRejection(Reason.EXPIRED);
    }
    long notBefore = numericDate(claims, "nbf", false);
    if (notBefore > 0 && now + leewaySeconds < notBefore) {
      throw new TokenRejection(Reason.NOT_YET_VALID);
    }
    if (!issuer.equals(claims.getValue("iss"))) {
      throw new TokenRejection(Reason.WRONG_ISSUER);
    }
    // With no audience configured, a token that names one is meant for someone else (an upstream's minted token).
    if (audience.isEmpty() ? claims.getValue("aud") != null : !audienceMatches(claims.getValue("aud"))) {
      throw new TokenRejection(Reason.WRONG_AUDIENCE);
    }
    if (!(claims.getValue("sub") instanceof String subject) || subject.isEmpty()) {
      throw new TokenRejection(Reason.MISSING_CLAIM);
    }
    return new VerifiedToken(subject, key.kid(), expiresAt, claims, strings(claims, "roles"), strings(claims, "perms"));
  }

  private boolean audienceMatches(Object aud) {
    if (aud instanceof String single) {
      return audience.contains(single);
    }
    if (aud instanceof JsonArray many) {
      for (Object value : many) {
        if (value instanceof String text && audience.contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  private static long numericDate(JsonObject claims, String name, boolean required) throws TokenRejection {
    Object value = claims.getValue(name);
    if (value instanceof Number number) {
      return number.longValue();
    }
    if (value == null && !required) {
      return 0;
    }
    throw new TokenRejection(value == null ? Reason.MISSING_CLAIM : Reason.MALFORMED);
  }

  private static List<String> strings(JsonObject claims, String name) {
    if (!(claims.getValue(name) instanceof JsonArray array)) {
      return List.of();
    }
    List<String> values = new ArrayList<>(array.size());
    for (Object value : array) {
      if (value instanceof String text) {
        values.add(text);
      }
    }
    return List.copyOf(values);
  }

  private static JsonObject json(String part) throws TokenRejection {
    try {
      return new JsonObject(new String(decode(part), StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw new TokenRejection(Reason.MALFORMED);
    }
  }

  private static byte[] decode(String part) throws TokenRejection {
    try {
      return BASE64URL.decode(part);
    } catch (IllegalArgumentException e) {
      throw new TokenRejection(Reason.MALFORMED);
    }
  }
}
