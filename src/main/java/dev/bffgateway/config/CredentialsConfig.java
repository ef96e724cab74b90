package dev.bffgateway.config;

import java.util.List;

import java.nio.file.Path;
import java.util.Map;

/**
 * How sign-ins are checked, and how repeated failures are slowed down.
 *
 * @param type           NONE when the configuration names neither a users file nor a login API: password
 *                       sign-in is off
 * @param usersFile      the users file (type users)
 * @param http           the login API (type http); null otherwise
 * @param oidc           OpenID Connect providers users may also sign in with, by name
 * @param hashIterations the PBKDF2 cost of the users file's hashes: unknown names cost the same, and users
 *                       hashed at another cost are re-hashed at their next sign-in
 * @param checks         how many password checks of the users file may run and wait at once
 */
public record CredentialsConfig(Type type, Path usersFile, Http http, int maxFailures, int maxFailuresPerAddress,
                                int failureWindowSeconds, List<OidcConfig> oidc, int hashIterations, Checks checks) {
  public enum Type { NONE, USERS, HTTP }

  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
  public static final int DEFAULT_HASH_ITERATIONS = 600_000;
  /** Only for tests, whose users are hashed cheaply: hash-password refuses less than 100,000. */
  public static final int MIN_HASH_ITERATIONS = 1_000;

  /** At most {@code maxConcurrent} password checks run at once and {@code maxQueued} wait; more are refused. */
  public record Checks(int maxConcurrent, int maxQueued) {
  }

  /** The same, with other check limits: those of the running gateway, which only a restart changes. */
  public CredentialsConfig withChecks(Checks running) {
    return new CredentialsConfig(type, usersFile, http, maxFailures, maxFailuresPerAddress, failureWindowSeconds, oidc, hashIterations,
      running);
  }

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
