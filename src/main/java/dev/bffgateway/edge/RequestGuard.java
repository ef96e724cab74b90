package dev.bffgateway.edge;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The first check of every request, before routing, for proxied routes and the gateway's own endpoints alike. It
 * refuses what the HTTP decoder (Netty's, under Vert.x) lets through but the gateway must not act on: framing that a
 * proxy in front could read differently (request smuggling), a Host that is not one, a fragment, and over HTTP/2,
 * field values with CR, LF or NUL. Over HTTP/1.x a refusal is a 400 after which the connection is closed, since
 * nothing that follows on it can be trusted to start where the decoder thinks it does.
 * <p>Netty 4.2.18 (see pom.xml) already refuses some of this before any handler runs, with a 400 and a close from
 * Vert.x: Content-Length with Transfer-Encoding, chunked not the last coding, Transfer-Encoding in HTTP/1.0, several or
 * malformed Content-Length values in HTTP/1.1, a chunk size that overflows (mid-body: a close without a response), and
 * over HTTP/2 field values with CR, LF or NUL. The checks here that repeat these keep holding if the decoder's RFC 9112
 * mode is switched off ({@code -Dio.netty.handler.codec.http.rfc9112TransferEncoding=false}) or Netty changes.
 * <p>Refused requests never reach the access log: the front door calls this before anything else.
 */
public final class RequestGuard {
  /** How long a refused HTTP/1.x response may take to be written before its connection is cut anyway. */
  private static final long CLOSE_GRACE_SECONDS = 10;
  /** How long a connection being shut down after the request it is serving may take to answer it. */
  private static final long SERVED_GRACE_HOURS = 24;
  /** HTTP/2 PROTOCOL_ERROR (RFC 9113 section 7). */
  private static final long PROTOCOL_ERROR = 0x1;

  private RequestGuard() {
  }

  /** Answers the request itself, and returns true, when it must go no further. */
  public static boolean refused(HttpServerRequest request) {
    HttpVersion version = request.version();
    if (version == HttpVersion.HTTP_2) {
      if (malformedFields(request)) {
        // RFC 9113 section 8.2.1: a malformed request is a stream error; the connection's other streams go on.
        request.response().reset(PROTOCOL_ERROR);
        return true;
      }
      String problem = hostProblem(request.headers().getAll(HttpHeaders.HOST), request.authority(), version);
      problem = problem != null ? problem : targetProblem(request, null);
      if (problem != null) {
        ErrorResponses.send(request.response(), 400, problem);
        return true;
      }
      return false;
    }
    String problem = http1Problem(request, version);
    if (problem != null) {
      HttpServerResponse response = request.response().putHeader(HttpHeaders.CONNECTION, "close");
      ErrorResponses.send(response, 400, problem);
      // Not close(): that leaves a request already read behind this one to be dispatched. shutdown() stops the
      // connection taking any further request, and closes it once this response is written.
      request.connection().shutdown(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
      return true;
    }
    if (version == HttpVersion.HTTP_1_0 && request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      // Netty folds several Content-Length fields of an HTTP/1.0 request into the first, unchecked (HttpUtil's
      // normalizeAndGetContentLength checks only HTTP/1.1), so no public API sees them. The request is served,
      // but nothing after its body on this connection is read as a request, whatever length a proxy in front took.
      request.connection().shutdown(SERVED_GRACE_HOURS, TimeUnit.HOURS);
    }
    return false;
  }

  private static String http1Problem(HttpServerRequest request, HttpVersion version) {
    MultiMap headers = request.headers();
    List<String> codings = headers.getAll(HttpHeaders.TRANSFER_ENCODING);
    List<String> lengths = headers.getAll(HttpHeaders.CONTENT_LENGTH);
    if (!codings.isEmpty()) {
      // RFC 9112 section 6.1: in HTTP/1.0 Transfer-Encoding means faulty framing.
      if (version == HttpVersion.HTTP_1_0) {
        return "Transfer-Encoding is not allowed in HTTP/1.0";
      }
      // RFC 9112 sections 6.1 and 6.3: the gateway decodes chunked only, so anything else, even in another spelling,
      // in two fields or folded, is a length it cannot determine. Exactly what every real client sends.
      if (codings.size() != 1 || !codings.get(0).equals("chunked")) {
        return "Transfer-Encoding must be exactly \"chunked\"";
      }
      // RFC 9112 section 6.3: both is what a smuggling attempt looks like.
      if (!lengths.isEmpty()) {
        return "Content-Length and Transfer-Encoding must not both be sent";
      }
    }
    // RFC 9112 section 6.3 and RFC 9110 section 8.6: one decimal length, or none.
    if (lengths.size() > 1 || (lengths.size() == 1 && !isDigits(lengths.get(0)))) {
      return "Content-Length must be a single decimal number";
    }
    List<String> hosts = headers.getAll(HttpHeaders.HOST);
    String problem = hostProblem(hosts, null, version);
    return problem != null ? problem : targetProblem(request, hosts.isEmpty() ? null : hosts.get(0));
  }

  /**
   * RFC 9112 section 3.2: 400 for an HTTP/1.1 request without Host, and for any with several or an invalid one.
   * Over HTTP/2 the host is {@code :authority} (or Host), which Vert.x parses; it gets the same check of its host.
   */
  private static String hostProblem(List<String> hosts, HostAndPort authority, HttpVersion version) {
    if (hosts.size() > 1) {
      return "The request has more than one Host";
    }
    if (version == HttpVersion.HTTP_2) {
      return authority == null || isAuthority(authority.host()) ? null : "The request's authority is not a valid host";
    }
    if (hosts.isEmpty()) {
      return version == HttpVersion.HTTP_1_1 ? "The request has no Host" : null;
    }
    return isAuthority(hosts.get(0)) ? null : "The request's Host is not a valid host[:port]";
  }

  /**
   * The request-target (RFC 9112 section 3.2): origin-form, {@code *} for OPTIONS, or absolute-form whose authority is
   * the Host (host is null over HTTP/2, where Vert.x already requires :authority and Host to agree).
   */
  private static String targetProblem(HttpServerRequest request, String host) {
    String uri = request.uri();
    if (uri == null || uri.isEmpty()) {
      return "The request has no target";
    }
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '#') {
        // RFC 9112 section 3.2: a client does not send a fragment; one here means the target was built wrong or
        // to confuse a parser.
        return "The request-target must not contain a fragment ('#')";
      }
      if (c <= ' ' || c == 0x7f) {
        return "The request-target contains a control character or space";
      }
    }
    if (uri.charAt(0) == '/' || (uri.equals("*") && request.method() == HttpMethod.OPTIONS)) {
      return null;
    }
    int start = uri.regionMatches(true, 0, "http://", 0, 7) ? 7 : uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    if (start < 0) {
      // authority-form is for CONNECT, which the gateway does not do (RFC 9112 section 3.2.3).
      return "The request-target is not in origin or absolute form";
    }
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
      end++;
    }
    String authority = uri.substring(start, end);
    // RFC 9112 section 3.2.2 says the target's authority wins over Host, but Vert.x's authority() (the
    // X-Forwarded-Host, the CSRF origin check, OIDC redirect URIs) is always read from Host. So the two must be the
    // same. Userinfo is an error in itself (RFC 9110 section 4.2.4).
    if (host == null || !isAuthority(authority) || !authority.equalsIgnoreCase(host)) {
      return "The request-target's authority is not valid or not the request's Host";
    }
    return null;
  }

  /** RFC 9113 section 8.2.1: no field value, pseudo-header fields included, may contain CR, LF or NUL. */
  private static boolean malformedFields(HttpServerRequest request) {
    String uri = request.uri();
    if (uri != null && hasCrLfNul(uri)) {
      return true;
    }
    for (Map.Entry<String, String> field : request.headers()) {
      if (hasCrLfNul(field.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasCrLfNul(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * uri-host [":" port] (RFC 3986 section 3.2), narrowed to what a real host name or address is: an IP literal of hex
   * digits, ':' and '.', or letters, digits, '-', '.', '_' and '~'. No empty host (RFC 9110 section 4.2.1), no userinfo,
   * no percent-encoding and no sub-delims: ',' or ';' would split X-Forwarded-Host or Forwarded at the upstream.
   */
  static boolean isAuthority(String value) {
    int end = value.length();
    int portStart = -1;
    int i = 0;
    if (end > 0 && value.charAt(0) == '[') {
      int close = value.indexOf(']');
      if (close < 3) {
        return false;
      }
      boolean colon = false;
      for (i = 1; i < close; i++) {
        char c = value.charAt(i);
        colon |= c == ':';
        if (!(isHex(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      if (!colon) {
        return false;
      }
      i = close + 1;
      if (i < end) {
        if (value.charAt(i) != ':') {
          return false;
        }
        portStart = i + 1;
      }
    } else {
      for (; i < end; i++) {
        char c = value.charAt(i);
        if (c == ':') {
          portStart = i + 1;
          break;
        }
        if (!(isAlphaNum(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
          return false;
        }
      }
      if (i == 0) {
        return false;
      }
    }
    if (portStart < 0) {
      return true;
    }
    String port = value.substring(portStart);
    return port.length() >= 1 && port.length() <= 5 && isDigits(port) && Integer.parseInt(port) <= 65535;
  }

  private static boolean isDigits(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isAlphaNum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
