package dev.bffgateway.token;

import java.util.List;

/**
 * Who an access token speaks for, in ServiceStack's terms.
 *
 * @param userId      becomes {@code sub}
 * @param email       null when unknown
 */
public record Identity(String userId, String userName, String displayName, String email, List<String> roles,
                       List<String> permissions) {
  public Identity {
    roles = List.copyOf(roles);
    permissions = List.copyOf(permissions);
  }
}
