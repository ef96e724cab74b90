package dev.bffgateway.token;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * vertx-auth-jwt providers that each hold exactly one key, under its kid and with its algorithm: given a kid,
 * the gateway picks the provider, so vertx-auth-jwt never chooses among keys (it would try every key of the
 * token's algorithm when the token has no kid) and never runs without one (it accepts unsigned tokens then).
 */
final class KeyAuth {
  private KeyAuth() {
  }

  /** Verifies with the key's public half (or secret); expiry is the gateway's to check, on its own clock. */
  static JWTAuth verifying(TokenKey key) {
    Buffer material = key.algorithm().symmetric() ? Buffer.buffer(key.verificationKey().getEncoded())
      : Buffer.buffer(PemKeys.block("PUBLIC KEY", key.verificationKey().getEncoded()));
    return create(key, material, new JWTOptions().setIgnoreExpiration(true));
  }

  /** Signs with the key's private half (or secret) and nothing else. */
  static JWTAuth signing(TokenKey key) {
    if (!key.canSign()) {
      throw new IllegalArgumentException("key " + key.kid() + " has no private key");
    }
    Buffer material = key.algorithm().symmetric() ? Buffer.buffer(key.signingKey().getEncoded())
      : Buffer.buffer(PemKeys.block("PRIVATE KEY", key.signingKey().getEncoded()));
    return create(key, material, new JWTOptions());
  }

  private static JWTAuth create(TokenKey key, Buffer material, JWTOptions options) {
    PubSecKeyOptions keyOptions = new PubSecKeyOptions().setAlgorithm(key.algorithm().name()).setId(key.kid()).setBuffer(material);
    // The provider uses Vert.x only to read key stores from files; these keys are given in memory.
    return JWTAuth.create(null, new JWTAuthOptions().addPubSecKey(keyOptions).setJWTOptions(options));
  }
}
