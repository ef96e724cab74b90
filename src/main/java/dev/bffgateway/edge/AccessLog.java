package dev.bffgateway.edge;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * One JSON line per request on the logger {@code bff.access} (its level and destination are Logback's): time,
 * request id, client address (see {@link ClientAddresses}), method, path, route, status, bytes, duration and the user's {@code sub}. Never
 * the query string, a header, a cookie or a body, so no token or password can reach the log through it.
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("bff.access");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final boolean enabled;

  public AccessLog(boolean enabled) {
    this.enabled = enabled;
  }

  /** Called once the response is written: counts it for its route, and logs it. */
  public void completed(HttpServerRequest request, Exchange exchange) {
    HttpServerResponse response = request.response();
    if (exchange.meters() != null) {
      exchange.meters().completed(response.getStatusCode());
    }
    if (enabled && LOG.isInfoEnabled()) {
      LOG.info(line(request, response, exchange));
    }
  }

  private static String line(HttpServerRequest request, HttpServerResponse response, Exchange exchange) {
    StringBuilder json = new StringBuilder(256).append('{');
    json.append("\"time\":\"");
    Timestamps.appendNow(json);
    json.append("\",");
    field(json, "requestId", response.headers().get("x-request-id")).append(',');
    field(json, "client", exchange.clientAddress()).append(',');
    field(json, "method", request.method().name()).append(',');
    field(json, "path", request.path()).append(',');
    field(json, "route", exchange.routeId()).append(',');
    json.append("\"status\":").append(response.getStatusCode()).append(',');
    json.append("\"bytes\":").append(response.bytesWritten()).append(',');
    long micros = (System.nanoTime() - exchange.startNanos()) / 1_000;
    json.append("\"durationMs\":").append(micros / 1000).append('.');
    appendThreeDigits(json, (int) (micros % 1000));
    json.append(',');
    return field(json, "sub", exchange.subject()).append('}').toString();
  }

  /** Appends {@code "name":"value"}, the value escaped as a JSON string, or {@code "name":null}. */
  static StringBuilder field(StringBuilder json, String name, String value) {
    json.append('"').append(name).append("\":");
    if (value == null) {
      return json.append("null");
    }
    json.append('"');
    int plain = plainLength(value);
    if (plain == value.length()) {
      // Nearly every value: copied whole, not char by char.
      return json.append(value).append('"');
    }
    json.append(value, 0, plain);
    for (int i = plain; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        default -> {
          if (c < 0x20) {
            json.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }

  /** How many of the value's first characters need no escaping in a JSON string. */
  private static int plainLength(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        return i;
      }
    }
    return value.length();
  }

  private static void appendThreeDigits(StringBuilder out, int value) {
    out.append((char) ('0' + value / 100)).append((char) ('0' + value / 10 % 10)).append((char) ('0' + value % 10));
  }

  /** UTC times to the millisecond, like {@code 2026-11-29T03:38:05.123Z}, without a formatter per line. */
  private static final class Timestamps {
    private record Second(long epochSecond, String prefix) {
    }

    /** Shared by the event loops; each reads one immutable pair, so a race only formats the same second twice. */
    private static volatile Second current = new Second(-1, "");

    static void appendNow(StringBuilder out) {
      long millis = System.currentTimeMillis();
      long epochSecond = Math.floorDiv(millis, 1000);
      Second second = current;
      if (second.epochSecond() != epochSecond) {
        // "2026-11-29T03:38:05", without the "Z" Instant.toString() ends with
        String whole = Instant.ofEpochSecond(epochSecond).toString();
        second = new Second(epochSecond, whole.substring(0, whole.length() - 1) + '.');
        current = second;
      }
      out.append(second.prefix());
      appendThreeDigits(out, (int) Math.floorMod(millis, 1000));
      out.append('Z');
    }
  }
}
