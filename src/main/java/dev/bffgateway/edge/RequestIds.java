package dev.bffgateway.edge;

import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every request an {@code X-Request-Id}: the client's own when it is well formed (so a trace can span
 * the SPA, the gateway and the backends), a fresh random one otherwise. It is echoed on the response.
 */
public final class RequestIds {
  public static final String HEADER = "x-request-id";
  private static final int MAX_LENGTH = 128;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {
  }

  public static String assign(HttpServerRequest request) {
    String offered = request.getHeader(HEADER);
    String id = isWellFormed(offered) ? offered : generate();
    request.response().putHeader(HEADER, id);
    return id;
  }

  /** The id {@link #assign} gave this request. */
  public static String of(HttpServerRequest request) {
    return request.response().headers().get(HEADER);
  }

  static boolean isWellFormed(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  private static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[32];
    long high = random.nextLong();
    long low = random.nextLong();
    for (int i = 0; i < 16; i++) {
      id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
      id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
    }
    return new String(id);
  }
}
