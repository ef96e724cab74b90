package dev.bffgateway.support;

import io.vertx.core.MultiMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Keeps cookies as a browser would (by name), from raw Set-Cookie headers, so tests can also read attributes. */
public final class CookieJar {
  private final Map<String, String> values = new LinkedHashMap<>();

  public void update(Http.Response response) {
    for (String header : response.headers().getAll("set-cookie")) {
      String pair = header.split(";", 2)[0];
      String name = pair.substring(0, pair.indexOf('='));
      String value = pair.substring(pair.indexOf('=') + 1);
      if (value.isEmpty() || attribute(header, "Max-Age").equals("0")) {
        values.remove(name);
      } else {
        values.put(name, value);
      }
    }
  }

  public String get(String name) {
    return values.get(name);
  }

  public void put(String name, String value) {
    values.put(name, value);
  }

  public MultiMap headers() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (!values.isEmpty()) {
      headers.add("cookie", values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
    }
    return headers;
  }

  /** The raw Set-Cookie header for a cookie name in a response, or null. */
  public static String setCookie(Http.Response response, String name) {
    List<String> all = response.headers().getAll("set-cookie");
    return all.stream().filter(header -> header.startsWith(name + "=")).findFirst().orElse(null);
  }

  /** The value of an attribute of a Set-Cookie header ("" for a flag that is present, "-" when absent). */
  public static String attribute(String setCookie, String name) {
    for (String part : setCookie.split(";")) {
      String trimmed = part.trim();
      int equals = trimmed.indexOf('=');
      String key = equals < 0 ? trimmed : trimmed.substring(0, equals);
      if (key.equalsIgnoreCase(name)) {
        return equals < 0 ? "" : trimmed.substring(equals + 1);
      }
    }
    return "-";
  }
}
