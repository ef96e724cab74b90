package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads, writes and generates the PEM key files of ES256 (P-256), RS256 and EdDSA (Ed25519) keys, and gives
 * their public JWK and RFC 7638 thumbprint. Files hold a PKCS#8 private key and/or an SPKI public key, as
 * {@code openssl genpkey} and {@code openssl pkey -pubout} write them.
 */
final class PemKeys {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final BigInteger P256_ORDER =
    new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
  private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519");

  private PemKeys() {
  }

  /** A key pair read from a file; the private key is null for a verification-only file. */
  record Material(PrivateKey privateKey, PublicKey publicKey, JwsAlgorithm algorithm) {
  }

  static Material read(String pem) throws KeyMaterialException {
    PrivateKey privateKey = null;
    PublicKey publicKey = null;
    Matcher block = BLOCK.matcher(pem);
    while (block.find()) {
      byte[] der = Base64.getMimeDecoder().decode(block.group(2));
      switch (block.group(1)) {
        case "PRIVATE KEY" -> privateKey = privateKey(der);
        case "PUBLIC KEY" -> publicKey = publicKey(der);
        case "EC PRIVATE KEY", "RSA PRIVATE KEY" -> throw new KeyMaterialException("holds a traditional \""
          + block.group(1) + "\"; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
        case "ENCRYPTED PRIVATE KEY" -> throw new KeyMaterialException("holds an encrypted private key; "
          + "decrypt it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
        default -> {
          // Certificates and other blocks may sit beside the key; they are not needed.
        }
      }
    }
    if (privateKey == null && publicKey == null) {
      throw new KeyMaterialException("holds no \"PRIVATE KEY\" or \"PUBLIC KEY\" PEM block");
    }
    if (publicKey == null) {
      publicKey = derivePublicKey(privateKey);
    }
    JwsAlgorithm algorithm = algorithmOf(publicKey);
    if (privateKey != null) {
      checkPair(privateKey, publicKey, algorithm);
    }
    return new Material(privateKey, publicKey, algorithm);
  }

  static KeyPair generate(JwsAlgorithm algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm.keyAlgorithm());
      switch (algorithm) {
        case ES256 -> generator.initialize(new ECGenParameterSpec("secp256r1"));
        case RS256 -> generator.initialize(3072);
        case EdDSA -> { }
        default -> throw new IllegalArgumentException(algorithm + " keys are secrets, not key pairs");
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + algorithm + " key", e);
    }
  }

  /** Both halves as PEM: PKCS#8 private key, then SPKI public key. */
  static String write(KeyPair pair) {
    return block("PRIVATE KEY", pair.getPrivate().getEncoded()) + block("PUBLIC KEY", pair.getPublic().getEncoded());
  }

  static JwsAlgorithm algorithmOf(PublicKey key) throws KeyMaterialException {
    if (key instanceof ECPublicKey ec) {
      if (!ec.getParams().getOrder().equals(P256_ORDER)) {
        throw new KeyMaterialException("is an EC key on a curve other than P-256; ES256 needs P-256");
      }
      return JwsAlgorithm.ES256;
    }
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new KeyMaterialException("is an RSA key of " + rsa.getModulus().bitLength() + " bits; RS256 needs at least 2048");
      }
      return JwsAlgorithm.RS256;
    }
    if (key instanceof EdECPublicKey ed && ed.getParams().getName().equals("Ed25519")) {
      return JwsAlgorithm.EdDSA;
    }
    throw new KeyMaterialException("holds a " + key.getAlgorithm() + " key; use P-256 (ES256), RSA (RS256) or Ed25519 (EdDSA)");
  }

  /** The public JWK members that RFC 7638 hashes, in its lexicographic order. */
  static JsonObject publicJwk(PublicKey key) {
    JsonObject jwk = new JsonObject();
    if (key instanceof ECPublicKey ec) {
      jwk.put("crv", "P-256").put("kty", "EC")
        .put("x", base64url(unsigned(ec.getW().getAffineX(), 32)))
        .put("y", base64url(unsigned(ec.getW().getAffineY(), 32)));
    } else if (key instanceof RSAPublicKey rsa) {
      jwk.put("e", base64url(unsigned(rsa.getPublicExponent(), 0))).put("kty", "RSA")
        .put("n", base64url(unsigned(rsa.getModulus(), 0)));
    } else {
      // SPKI of Ed25519 is a fixed 12-byte prefix followed by the 32-byte public key.
      byte[] spki = key.getEncoded();
      jwk.put("crv", "Ed25519").put("kty", "OKP").put("x", base64url(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
    }
    return jwk;
  }

  /** RFC 7638: SHA-256 over the required members, sorted, without white space; base64url. */
  static String thumbprint(JsonObject requiredMembers) {
    return base64url(OpaqueTokens.sha256(requiredMembers.encode().getBytes(StandardCharsets.UTF_8)));
  }

  static String secretThumbprint(byte[] secret) {
    return thumbprint(new JsonObject().put("k", base64url(secret)).put("kty", "oct"));
  }

  private static PrivateKey privateKey(byte[] der) throws KeyMaterialException {
    return decode(factory -> factory.generatePrivate(new PKCS8EncodedKeySpec(der)),
      "holds a private key that is not P-256, RSA or Ed25519 PKCS#8");
  }

  private static PublicKey publicKey(byte[] der) throws KeyMaterialException {
    return decode(factory -> factory.generatePublic(new X509EncodedKeySpec(der)), "holds a public key that is not P-256, RSA or Ed25519");
  }

  private interface KeyDecoder<K> {
    K decode(KeyFactory factory) throws GeneralSecurityException;
  }

  /** The DER says which algorithm only inside; each factory in turn either reads it or refuses. */
  private static <K> K decode(KeyDecoder<K> decoder, String refusal) throws KeyMaterialException {
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return decoder.decode(KeyFactory.getInstance(algorithm));
      } catch (GeneralSecurityException | ClassCastException e) {
        // Not this algorithm; try the next.
      }
    }
    throw new KeyMaterialException(refusal);
  }

  private static PublicKey derivePublicKey(PrivateKey key) throws KeyMaterialException {
    try {
      if (key instanceof RSAPrivateCrtKey rsa) {
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      }
      if (key instanceof ECPrivateKey ec) {
        if (!ec.getParams().getOrder().equals(P256_ORDER)) {
          throw new KeyMaterialException("is an EC key on a curve other than P-256; ES256 needs P-256");
        }
        ECPoint point = Sec1.publicPoint(key.getEncoded());
        if (point != null) {
          ECParameterSpec params = ec.getParams();
          return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, params));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new KeyMaterialException("holds a private key whose public half cannot be derived: " + e.getMessage());
    }
    throw new KeyMaterialException("holds a private key without its public key; append it: openssl pkey -in FILE -pubout >> FILE");
  }

  /** A file whose private and public keys do not belong together would sign tokens nobody can verify. */
  private static void checkPair(PrivateKey privateKey, PublicKey publicKey, JwsAlgorithm algorithm) throws KeyMaterialException {
    try {
      byte[] probe = "bff-gateway key pair check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm.jcaName());
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm.jcaName());
      verifier.initVerify(publicKey);
      verifier.update(probe);
      if (!verifier.verify(signature)) {
        throw new KeyMaterialException("holds a private key and a public key that do not belong together");
      }
    } catch (GeneralSecurityException e) {
      throw new KeyMaterialException("holds a private key and a public key that do not belong together (" + e.getMessage() + ")");
    }
  }

  static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
      + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
      + "\n-----END " + type + "-----\n";
  }

  static String base64url(byte[] bytes) {
    return BASE64URL.encodeToString(bytes);
  }

  /** Big-endian magnitude without a sign byte, left-padded to length when length is positive. */
  private static byte[] unsigned(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      return padded;
    }
    return bytes;
  }

  /**
   * Finds the optional public key that OpenSSL stores inside a PKCS#8 EC private key (SEC1 ECPrivateKey,
   * field [1]), since the JDK cannot compute it from the private scalar.
   */
  private static final class Sec1 {
    private final byte[] der;
    private int position;

    private Sec1(byte[] der) {
      this.der = der;
    }

    static ECPoint publicPoint(byte[] pkcs8) {
      try {
        Sec1 outer = new Sec1(pkcs8);
        outer.enter(0x30);
        outer.skip(); // version
        outer.skip(); // algorithm identifier
        int octets = outer.enter(0x04);
        Sec1 inner = new Sec1(Arrays.copyOfRange(pkcs8, outer.position, octets));
        int innerEnd = inner.enter(0x30);
        while (inner.position < innerEnd) {
          int tag = inner.der[inner.position] & 0xff;
          if (tag == 0xa1) {
            inner.enter(0xa1);
            int bitsEnd = inner.enter(0x03);
            byte[] point = Arrays.copyOfRange(inner.der, inner.position + 1, bitsEnd); // skip unused-bits byte
            if (point.length != 65 || point[0] != 0x04) {
              return null;
            }
            return new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)), new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
          }
          inner.skip();
        }
        return null;
      } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
        return null;
      }
    }

    /** Reads the header of an element with the expected tag; returns where its content ends. */
    private int enter(int expectedTag) {
      if ((der[position] & 0xff) != expectedTag) {
        throw new IllegalArgumentException("unexpected DER tag");
      }
      position++;
      int length = length();
      return position + length;
    }

    private void skip() {
      position++;
      int length = length();
      position += length;
    }

    private int length() {
      int first = der[position++] & 0xff;
      if (first < 0x80) {
        return first;
      }
      int length = 0;
      for (int i = 0; i < (first & 0x7f); i++) {
        length = (length << 8) | (der[position++] & 0xff);
      }
      return length;
    }
  }
}
