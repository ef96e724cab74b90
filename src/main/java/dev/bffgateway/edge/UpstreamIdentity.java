package dev.bffgateway.edge;

import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.token.VerifiedToken;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the upstream learns of the caller, written while the request's headers are copied: the verified token as
 * {@code Authorization: Bearer} (or a token minted for the upstream), optional identity headers, and never the
 * gateway's own cookies or identity headers the client made up. The client's request itself is left as it came.
 */
final class UpstreamIdentity {
  static final String USER_ID = "x-user-id";
  static final String USER_NAME = "x-user-name";
  static final String USER_ROLES = "x-user-roles";
  private static final byte[] BEARER = "Bearer ".getBytes(StandardCharsets.US_ASCII);

  private final boolean identityHeaders;
  private final List<String> gatewayCookies;

  UpstreamIdentity(RouteConfig route, GatewayCookies cookies) {
    this.identityHeaders = route.identityHeaders();
    this.gatewayCookies = cookies.names();
  }

  /**
   * @param user  the caller, or null for an anonymous request
   * @param token the token to send, or null for none
   */
  void addTo(MultiMap out, VerifiedToken user, String token) {
    if (token == null) {
      return;
    }
    out.set(HttpHeaders.AUTHORIZATION, bearer(token));
    if (identityHeaders && user != null) {
      out.set(USER_ID, headerValue(user.subject()));
      String userName = user.claims().getString("preferred_username");
      if (userName != null) {
        out.set(USER_NAME, headerValue(userName));
      }
      out.set(USER_ROLES, headerValue(String.join(",", user.roles())));
    }
  }

  /**
   * The value, or a fault when it cannot be a header value (RFC 9110 §5.5: no CR, LF, NUL or other control
   * character): a user whose name or role carries a line break must not add headers of its own upstream. Vert.x's
   * client would refuse it only once the request is under way, which reads as the upstream's failure (502).
   */
  private static String headerValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new IllegalArgumentException("an identity value cannot be sent as a header");
      }
    }
    return value;
  }

  /**
   * {@code Bearer <token>} as bytes: validated and encoded as one array rather than character by character, which
   * counts for a token of several hundred characters on every request. Tokens are ASCII; a character beyond it
   * keeps its low byte, which Vert.x's header validation still checks, and makes a token no upstream accepts.
   */
  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): one copy, no intermediate array
  private static AsciiString bearer(String token) {
    byte[] value = new byte[BEARER.length + token.length()];
    System.arraycopy(BEARER, 0, value, 0, BEARER.length);
    token.getBytes(0, token.length(), value, BEARER.length);
    return new AsciiString(value, false);
  }

  /**
   * The client's Cookie headers as one, without the gateway's cookies (RFC 9113 §8.2.3 joins HTTP/2's several);
   * the only header unchanged when there was one and nothing to strip; null when nothing is left.
   */
  String cookiesFor(List<String> values) {
    StringBuilder kept = new StringBuilder();
    boolean changed = false;
    for (String value : values) {
      CookiePairs pairs = new CookiePairs(value);
      while (pairs.next()) {
        if (isGatewayCookie(pairs)) {
          changed = true;
          continue;
        }
        if (!kept.isEmpty()) {
          kept.append("; ");
        }
        pairs.appendPair(kept);
      }
    }
    if (!changed && values.size() == 1) {
      return values.get(0);
    }
    return kept.isEmpty() ? null : kept.toString();
  }

  private boolean isGatewayCookie(CookiePairs pair) {
    for (String name : gatewayCookies) {
      if (pair.nameIs(name)) {
        return true;
      }
    }
    return false;
  }
}
