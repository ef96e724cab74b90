package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * Signs with exactly one key, the signing key, so a token's {@code kid} always names the key that signed it.
 * The header is encoded once.
 */
public final class TokenSigner {
  private final TokenKey key;
  private final String encodedHeader;

  public TokenSigner(TokenKey key) {
    if (!key.canSign()) {
      throw new IllegalArgumentException("key " + key.kid() + " has no private key");
    }
    this.key = key;
    JsonObject header = new JsonObject().put("typ", "JWT").put("alg", key.algorithm().name()).put("kid", key.kid());
    this.encodedHeader = PemKeys.base64url(header.encode().getBytes(StandardCharsets.UTF_8));
  }

  public String kid() {
    return key.kid();
  }

  public String sign(JsonObject claims) {
    String signingInput = encodedHeader + '.' + PemKeys.base64url(claims.encode().getBytes(StandardCharsets.UTF_8));
    return signingInput + '.' + PemKeys.base64url(signature(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  private byte[] signature(byte[] input) {
    try {
      if (key.algorithm().symmetric()) {
        Mac mac = Mac.getInstance(key.algorithm().jcaName());
        mac.init(key.signingKey());
        return mac.doFinal(input);
      }
      Signature signature = Signature.getInstance(key.algorithm().jcaName());
      signature.initSign((PrivateKey) key.signingKey());
      signature.update(input);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing with " + key + " failed", e);
    }
  }
}
