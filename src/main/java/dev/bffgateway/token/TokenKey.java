package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import java.security.Key;

/**
 * One key of the key set.
 *
 * @param verificationKey public key, or the HMAC secret
 * @param signingKey      private key or HMAC secret; null for a verification-only key (a retired one)
 * @param publicJwk       the JWK published in the JWKS; null for secrets, which are never published
 */
public record TokenKey(String kid, JwsAlgorithm algorithm, Key verificationKey, Key signingKey, JsonObject publicJwk) {
  public boolean canSign() {
    return signingKey != null;
  }

  @Override
  public String toString() {
    return "TokenKey[kid=" + kid + ", alg=" + algorithm + ", canSign=" + canSign() + "]";
  }
}
