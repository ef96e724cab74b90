package dev.bffgateway.token;

/** The JWS algorithms the gateway signs and verifies with, and their JCA names. */
public enum JwsAlgorithm {
  // P1363 format: the raw R||S signature JWS uses, not the DER that plain SHA256withECDSA produces.
  ES256("SHA256withECDSAinP1363Format", "EC"),
  RS256("SHA256withRSA", "RSA"),
  EdDSA("Ed25519", "Ed25519"),
  HS256("HmacSHA256", null);

  private final String jcaName;
  private final String keyAlgorithm;

  JwsAlgorithm(String jcaName, String keyAlgorithm) {
    this.jcaName = jcaName;
    this.keyAlgorithm = keyAlgorithm;
  }

  String jcaName() {
    return jcaName;
  }

  /** The JCA key algorithm (KeyFactory name); null for the symmetric HS256. */
  String keyAlgorithm() {
    return keyAlgorithm;
  }

  boolean symmetric() {
    return this == HS256;
  }

  /** The algorithm a JWS header names, or null when it is not one of ours (including "none"). */
  public static JwsAlgorithm fromHeader(String name) {
    for (JwsAlgorithm algorithm : values()) {
      if (algorithm.name().equals(name)) {
        return algorithm;
      }
    }
    return null;
  }
}
