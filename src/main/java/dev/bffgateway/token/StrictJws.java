package dev.bffgateway.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.bffgateway.token.TokenRejection.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The one way a token's parts may be written, so that no token has a second spelling that also verifies:
 * unpadded base64url whose unused bits are zero, strict JSON (no comments, no duplicate members, nothing after
 * the object), and ES256 signatures as raw R‖S with a low S. vertx-auth-jwt, which checks the signature after
 * this, is lenient on each of these points.
 */
final class StrictJws {
  /** Plain Jackson: comments and other extensions off (Vert.x's own decoder allows comments); duplicates refused. */
  private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
  private static final Base64.Encoder BASE64URL_ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final int ES256_SIGNATURE_LENGTH = 64;
  /** The P-256 group order n, and n / 2: a low S is at most n / 2. */
  private static final byte[] P256_ORDER = HexFormat.of().parseHex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  private static final byte[] P256_HALF_ORDER = HexFormat.of().parseHex("7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8");

  private StrictJws() {
  }

  /** Decodes {@code token[from, to)}, which must be canonical unpadded base64url. */
  static byte[] decode(String token, int from, int to) throws TokenRejection {
    int length = to - from;
    if (length % 4 == 1) {
      throw new TokenRejection(Reason.MALFORMED);
    }
    int last = 0;
    for (int i = from; i < to; i++) {
      last = value(token.charAt(i));
      if (last < 0) {
        throw new TokenRejection(Reason.MALFORMED);
      }
    }
    // Two characters carry 12 bits for one byte, three carry 18 for two: the bits left over must be zero.
    int unusedBits = length % 4 == 2 ? 0x0f : length % 4 == 3 ? 0x03 : 0;
    if ((last & unusedBits) != 0) {
      throw new TokenRejection(Reason.MALFORMED);
    }
    return BASE64URL.decode(token.substring(from, to));
  }

  private static int value(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '-' ? 62 : c == '_' ? 63 : -1;
  }

  /** A strict JSON object, decoded. */
  static JsonObject object(byte[] json) throws TokenRejection {
    checkObject(json);
    return new JsonObject(Buffer.buffer(json));
  }

  /** Checks that the bytes are one strict JSON object, without building it. */
  static void checkObject(byte[] json) throws TokenRejection {
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new TokenRejection(Reason.MALFORMED);
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new TokenRejection(Reason.MALFORMED);
      }
    } catch (IOException e) {
      throw new TokenRejection(Reason.MALFORMED);
    }
  }

  /**
   * Whether an ES256 signature is in the one form accepted: raw R‖S of 64 bytes, S at most n / 2 (of S and
   * n − S, which both verify, only the low one), and R not starting like a DER sequence, which vertx-auth-jwt
   * would decode as DER instead of raw.
   */
  static boolean canonicalEs256(byte[] signature) {
    return signature.length == ES256_SIGNATURE_LENGTH && !looksLikeDer(signature)
      && Arrays.compareUnsigned(signature, 32, 64, P256_HALF_ORDER, 0, 32) <= 0;
  }

  private static boolean looksLikeDer(byte[] signature) {
    return signature[0] == 0x30 && signature[1] == ES256_SIGNATURE_LENGTH - 2;
  }

  /**
   * The token with its ES256 signature in canonical form: S replaced by n − S when it is high. Null when R
   * looks like DER, which the signer then avoids by signing again (ECDSA signatures are random).
   */
  static String canonicalEs256(String token) {
    int dot = token.lastIndexOf('.') + 1;
    byte[] signature = BASE64URL.decode(token.substring(dot));
    if (signature.length != ES256_SIGNATURE_LENGTH) {
      throw new IllegalStateException("vertx-auth-jwt wrote an ES256 signature of " + signature.length + " bytes");
    }
    if (looksLikeDer(signature)) {
      return null;
    }
    if (Arrays.compareUnsigned(signature, 32, 64, P256_HALF_ORDER, 0, 32) <= 0) {
      return token;
    }
    // n − S, big-endian, over the last 32 bytes.
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
      int difference = (P256_ORDER[i] & 0xff) - (signature[32 + i] & 0xff) - borrow;
      borrow = difference < 0 ? 1 : 0;
      signature[32 + i] = (byte) difference;
    }
    return token.substring(0, dot) + BASE64URL_ENCODER.encodeToString(signature);
  }
}
