package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;

/**
 * Signs with exactly one key, the signing key, so a token's {@code kid} always names the key that signed it.
 * vertx-auth-jwt writes the token (header {@code typ}, {@code alg}, {@code kid}); the claims, {@code iat}
 * included, are the caller's. ES256 signatures leave in the one form the verifier accepts (low S).
 */
public final class TokenSigner {
  private final TokenKey key;
  private final JWTAuth auth;
  // No timestamp: vertx-auth-jwt would read the system clock, the claims carry iat from the injected one.
  private final JWTOptions options;

  public TokenSigner(TokenKey key) {
    this.key = key;
    this.auth = KeyAuth.signing(key);
    this.options = new JWTOptions().setAlgorithm(key.algorithm().name()).setNoTimestamp(true);
  }

  public String kid() {
    return key.kid();
  }

  public String sign(JsonObject claims) {
    if (key.algorithm() != JwsAlgorithm.ES256) {
      return auth.generateToken(claims, options);
    }
    String token;
    do {
      token = StrictJws.canonicalEs256(auth.generateToken(claims, options));
    } while (token == null);
    return token;
  }
}
