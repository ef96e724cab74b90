package dev.bffgateway.token;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * An access token whose signature and claims passed every check.
 *
 * @param expiresAt {@code exp}, seconds since the epoch
 */
public record VerifiedToken(String subject, String kid, long expiresAt, JsonObject claims,
                            List<String> roles, List<String> permissions) {
  @Override
  public String toString() {
    return "VerifiedToken[sub=" + subject + ", kid=" + kid + ", exp=" + expiresAt + "]";
  }
}
