package dev.bffgateway.config;

import java.util.List;

import java.nio.file.Path;
import java.util.Map;

/**
 * How sign-ins are checked, and how repeated failures are slowed down.
 *
 * @param usersFile the users file (type users)
 * @param http      the login API (type http); null otherwise
 * @param maxFailuresPerAddress failed sign-ins allowed per client address in the window, whatever the user names
 * @param oidc      OpenID Connect providers users may also sign in with, by name
 */
public record CredentialsConfig(Type type, Path usersFile, Http http, int maxFailures, int maxFailuresPerAddress,
                                int failureWindowSeconds, List<OidcConfig> oidc) {
  public enum Type { USERS, HTTP }

  /**
   * An existing API's login.
   *
   * @param userUrl  GET to re-read a user at refresh, with {userId} and {userName} placeholders; null to keep the
   *                 user as it was at sign-in
   * @param fields   where each user field is in the API's JSON (dotted paths)
   */
  public record Http(String url, String userUrl, int timeoutMs, Map<String, String> fields) {
  }
}
