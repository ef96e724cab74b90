package dev.bffgateway.credentials;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A configured path such as {@code realm_access.roles} or {@code profile.email} into a JSON user (a login API's
 * answer, an ID token's claims).
 */
public final class DottedPath {
  private DottedPath() {
  }

  /** The value at the path, or null when a step is missing or not an object. */
  public static Object at(JsonObject json, String path) {
    Object current = json;
    for (String part : path.split("\\.")) {
      if (!(current instanceof JsonObject object)) {
        return null;
      }
      current = object.getValue(part);
    }
    return current;
  }

  /** The strings of the array at the path; other elements, or anything but an array, count as none. */
  public static List<String> strings(JsonObject json, String path) {
    return at(json, path) instanceof JsonArray array ? UserAccount.strings(array) : List.of();
  }
}
