package dev.bffgateway.token;

import dev.bffgateway.config.TokensConfig;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Fresh keys of every algorithm, and a tokens configuration for tests. */
final class TestKeys {
  static final String ISSUER = "https://gateway.test";
  static final String SECRET = "a-shared-secret-of-more-than-32-bytes!";

  private TestKeys() {
  }

  static TokenKey generate(JwsAlgorithm algorithm, String kid) {
    if (algorithm == JwsAlgorithm.HS256) {
      SecretKeySpec secret = new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
      return new TokenKey(kid, algorithm, secret, secret, null);
    }
    try {
      return TokenKeys.fromPem(PemKeys.write(PemKeys.generate(algorithm)), kid);
    } catch (KeyMaterialException e) {
      throw new AssertionError(e);
    }
  }

  static TokensConfig config(List<String> audience) {
    return new TokensConfig(ISSUER, audience, 900, 30, 100, 300, true, 5, List.of());
  }
}
