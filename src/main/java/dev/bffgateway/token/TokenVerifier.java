package dev.bffgateway.token;

import dev.bffgateway.token.TokenRejection.Reason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;

import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies access tokens against every key of the key set, trusting nothing the token says about how to verify
 * it: the algorithm must be one the named key was configured with (no {@code none}, no HS256 signed with a
 * public key), the key must be ours (no {@code jku}, {@code x5u}, {@code jwk}), and issuer, audience and times
 * must match. A strict guard reads the token first (size, {@link StrictJws canonical form}, header, kid and
 * algorithm); vertx-auth-jwt then checks the signature with the one key the kid names; the claims are checked
 * here, against the injected clock. Immutable and thread-safe.
 */
public final class TokenVerifier {
  static final int MAX_TOKEN_LENGTH = 8 * 1024;
  private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c", "crit");

  /** A key and the vertx-auth-jwt provider that holds only it. */
  private record Checker(TokenKey key, JWTAuth auth, int signatureLength) {
  }

  private final Map<String, Checker> checkersByKid = new HashMap<>();
  private final Checker soleChecker;
  private final Set<JwsAlgorithm> algorithms = EnumSet.noneOf(JwsAlgorithm.class);
  private final String issuer;
  private final Set<String> audience;
  private final long leewaySeconds;
  private final Clock clock;

  public TokenVerifier(List<TokenKey> keys, String issuer, List<String> audience, long leewaySeconds, Clock clock) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one key");
    }
    Checker last = null;
    for (TokenKey key : keys) {
      last = new Checker(key, KeyAuth.verifying(key), signatureLength(key));
      checkersByKid.put(key.kid(), last);
      algorithms.add(key.algorithm());
    }
    this.soleChecker = keys.size() == 1 ? last : null;
    this.issuer = issuer;
    this.audience = Set.copyOf(audience);
    this.leewaySeconds = leewaySeconds;
    this.clock = clock;
  }

  public Set<String> kids() {
    return checkersByKid.keySet();
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
    Checker checker = checker(StrictJws.object(StrictJws.decode(token, 0, firstDot)));
    byte[] signature = StrictJws.decode(token, secondDot + 1, token.length());
    StrictJws.checkObject(StrictJws.decode(token, firstDot + 1, secondDot));
    if (signature.length != checker.signatureLength()
      || checker.key().algorithm() == JwsAlgorithm.ES256 && !StrictJws.canonicalEs256(signature)) {
      throw new TokenRejection(Reason.BAD_SIGNATURE);
    }
    return checkClaims(verifiedClaims(checker.auth(), token), checker.key());
  }

  private Checker checker(JsonObject header) throws TokenRejection {
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
    Checker checker = kid == null ? soleChecker : kid instanceof String name ? checkersByKid.get(name) : null;
    if (checker == null) {
      throw new TokenRejection(Reason.UNKNOWN_KEY);
    }
    if (checker.key().algorithm() != algorithm) {
      throw new TokenRejection(Reason.ALGORITHM_MISMATCH);
    }
    return checker;
  }

  /**
   * The payload, once vertx-auth-jwt has checked the signature. Its provider answers at once (the future is
   * already complete); its expiry checks are off, the gateway checks times on its own clock.
   */
  private static JsonObject verifiedClaims(JWTAuth auth, String token) throws TokenRejection {
    Future<User> result;
    try {
      result = auth.authenticate(new TokenCredentials(token));
    } catch (ClassCastException e) {
      // The provider reads exp, iat and nbf as numbers even with expiry checks off.
      throw new TokenRejection(Reason.MALFORMED);
    }
    if (result.failed()) {
      throw new TokenRejection(Reason.BAD_SIGNATURE);
    }
    JsonObject claims = result.succeeded() ? result.result().attributes().getJsonObject("accessToken") : null;
    if (claims == null) {
      throw new IllegalStateException("vertx-auth-jwt did not answer at once with the token's claims");
    }
    return claims;
  }

  /** The exact length of a signature by this key: the guard refuses others (vertx-auth-jwt pads short RSA ones). */
  private static int signatureLength(TokenKey key) {
    return switch (key.algorithm()) {
      case ES256, EdDSA -> 64;
      case HS256 -> 32;
      case RS256 -> (((RSAPublicKey) key.verificationKey()).getModulus().bitLength() + 7) / 8;
    };
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
}
