package dev.bffgateway.config;

import java.util.List;

/**
 * Path prefixes the gateway serves itself. A route may sit above them ({@code /}) but not on or under them:
 * such a route would either hide a gateway endpoint or be hidden by it, and neither should be a surprise.
 */
public final class ReservedPaths {
  public static final String HEALTH = "/health";
  public static final String WELL_KNOWN = "/.well-known";
  /** ServiceStack's auth routes: Authenticate, its providers, logout. */
  public static final String AUTH = "/auth";
  /** ServiceStack's GetAccessToken route. */
  public static final String ACCESS_TOKEN = "/access-token";
  /** ServiceStack's ConvertSessionToToken route. */
  public static final String SESSION_TO_TOKEN = "/session-to-token";
  /** The JS client, served beside the routes so that pages can load it from the gateway's origin. */
  public static final String CLIENT_SCRIPT = "/bff-client.js";
  /** Where ServiceStack's service clients send a DTO: {@code /api/{Dto}} and {@code /json/reply/{Dto}}. */
  public static final List<String> DTO_PREFIXES = List.of("/api/", "/json/reply/");
  public static final List<String> DTOS = List.of("Authenticate", "GetAccessToken", "ConvertSessionToToken");
  public static final List<String> ALL = all();

  private static List<String> all() {
    List<String> all = new java.util.ArrayList<>(List.of(HEALTH, WELL_KNOWN, AUTH, ACCESS_TOKEN, SESSION_TO_TOKEN, CLIENT_SCRIPT));
    for (String prefix : DTO_PREFIXES) {
      for (String dto : DTOS) {
        all.add(prefix + dto);
      }
    }
    return List.copyOf(all);
  }

  private ReservedPaths() {
  }

  /** The reserved prefix that a canonical route path equals or falls under, or null. */
  static String reservedBy(String path) {
    for (String prefix : ALL) {
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return prefix;
      }
    }
    return null;
  }
}
