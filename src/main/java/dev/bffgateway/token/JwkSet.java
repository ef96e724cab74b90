package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a JWK Set (as {@code /.well-known/jwks.json} serves it) into verification keys, for a backend that
 * checks the gateway's tokens on its own, like the demo backend. Keys it cannot use are skipped.
 */
public final class JwkSet {
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private JwkSet() {
  }

  public static List<TokenKey> parse(JsonObject jwks) {
    List<TokenKey> keys = new ArrayList<>();
    for (Object entry : jwks.getJsonArray("keys", new io.vertx.core.json.JsonArray())) {
      if (entry instanceof JsonObject jwk) {
        try {
          JwsAlgorithm algorithm = JwsAlgorithm.fromHeader(jwk.getString("alg"));
          PublicKey key = publicKey(jwk);
          if (algorithm != null && !algorithm.symmetric() && key != null && jwk.getString("kid") != null) {
            keys.add(new TokenKey(jwk.getString("kid"), algorithm, key, null, jwk.copy()));
          }
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
          // Not a key we can use: skip it, as JWKS consumers do.
        }
      }
    }
    return keys;
  }

  private static PublicKey publicKey(JsonObject jwk) throws GeneralSecurityException {
    Base64.Decoder base64url = Base64.getUrlDecoder();
    switch (String.valueOf(jwk.getString("kty"))) {
      case "EC" -> {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECPoint point = new ECPoint(new BigInteger(1, base64url.decode(jwk.getString("x"))),
          new BigInteger(1, base64url.decode(jwk.getString("y"))));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, parameters.getParameterSpec(ECParameterSpec.class)));
      }
      case "RSA" -> {
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
          new BigInteger(1, base64url.decode(jwk.getString("n"))), new BigInteger(1, base64url.decode(jwk.getString("e")))));
      }
      case "OKP" -> {
        byte[] x = base64url.decode(jwk.getString("x"));
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
      }
      default -> {
        return null;
      }
    }
  }
}
