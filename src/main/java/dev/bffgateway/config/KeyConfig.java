package dev.bffgateway.config;

import java.nio.file.Path;

/**
 * One token key: a PEM file (ES256, RS256 or EdDSA) or a shared HS256 secret, never both.
 *
 * @param id      the JWS {@code kid}; null to use the key's RFC 7638 thumbprint
 * @param pem     PEM file with a PKCS#8 private key and/or an SPKI public key; null for a secret
 * @param secret  HS256 secret of at least 32 bytes; null for a PEM key
 * @param signing whether this key signs new tokens (at most one; the first key when none is marked)
 * @param path    the JSON path of this entry, for errors found while loading the key material
 */
public record KeyConfig(String id, Path pem, String secret, boolean signing, String path) {
  @Override
  public String toString() {
    // Never print the secret.
    return "KeyConfig[id=" + id + ", pem=" + pem + ", secret=" + (secret == null ? "none" : "(hidden)") + ", signing=" + signing + "]";
  }
}
