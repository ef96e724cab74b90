package dev.bffgateway.auth;

import java.util.List;
import java.util.Map;

/** "Firefox on Linux": enough of a User-Agent to tell a user's devices apart in a list, and nothing more. */
public final class ClientSummary {
  private static final List<Map.Entry<String, String>> BROWSERS = List.of(
    Map.entry("Edg/", "Edge"), Map.entry("OPR/", "Opera"), Map.entry("Firefox/", "Firefox"),
    Map.entry("Chrome/", "Chrome"), Map.entry("Chromium/", "Chromium"), Map.entry("Safari/", "Safari"),
    Map.entry("curl/", "curl"));
  private static final List<Map.Entry<String, String>> SYSTEMS = List.of(
    Map.entry("Android", "Android"), Map.entry("iPhone", "iOS"), Map.entry("iPad", "iPadOS"),
    Map.entry("Windows", "Windows"), Map.entry("Mac OS X", "macOS"), Map.entry("CrOS", "ChromeOS"),
    Map.entry("Linux", "Linux"));

  private ClientSummary() {
  }

  public static String of(String userAgent) {
    if (userAgent == null || userAgent.isBlank()) {
      return "Unknown client";
    }
    String browser = first(BROWSERS, userAgent);
    String system = first(SYSTEMS, userAgent);
    if (browser == null) {
      browser = "Unknown browser";
    }
    return system == null ? browser : browser + " on " + system;
  }

  private static String first(List<Map.Entry<String, String>> candidates, String userAgent) {
    for (Map.Entry<String, String> candidate : candidates) {
      if (userAgent.contains(candidate.getKey())) {
        return candidate.getValue();
      }
    }
    return null;
  }
}
