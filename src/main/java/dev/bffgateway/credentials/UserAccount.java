package dev.bffgateway.credentials;

import dev.bffgateway.token.Identity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A user as a credential verifier knows it.
 *
 * @param email null when unknown
 */
public record UserAccount(String id, String userName, String displayName, String email, List<String> roles,
                          List<String> permissions, boolean disabled) {
  public UserAccount {
    roles = List.copyOf(roles);
    permissions = List.copyOf(permissions);
  }

  public Identity identity() {
    return new Identity(id, userName, displayName, email, roles, permissions);
  }

  /**
   * What the refresh-token store keeps with a family: enough to find the user again at the next refresh, and
   * the whole identity for verifiers that cannot look users up.
   */
  public JsonObject snapshot() {
    JsonObject snapshot = new JsonObject().put("id", id).put("userName", userName).put("displayName", displayName);
    if (email != null) {
      snapshot.put("email", email);
    }
    return snapshot.put("roles", new JsonArray(roles)).put("permissions", new JsonArray(permissions));
  }

  public static UserAccount fromSnapshot(JsonObject snapshot) {
    return new UserAccount(snapshot.getString("id"), snapshot.getString("userName"), snapshot.getString("displayName"),
      snapshot.getString("email"), strings(snapshot.getJsonArray("roles")), strings(snapshot.getJsonArray("permissions")), false);
  }

  static List<String> strings(JsonArray array) {
    if (array == null) {
      return List.of();
    }
    return array.stream().filter(String.class::isInstance).map(String.class::cast).toList();
  }
}
