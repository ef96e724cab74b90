package dev.bffgateway.config;

import java.util.List;

/**
 * Path prefixes the gateway serves itself. A route may sit above them ({@code /}) but not on or under them:
 * such a route would either hide a gateway endpoint or be hidden by it, and neither should be a surprise.
 */
public final class ReservedPaths {
  public static final String HEALTH = "/health";
  public static final String WELL_KNOWN = "/.well-known";
  public static final List<String> ALL = List.of(HEALTH, WELL_KNOWN);

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
