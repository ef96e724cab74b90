package dev.bffgateway.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} inside every string value of a JSON tree, so that
 * secrets and per-host values need not live in the file. As in the shell, the default also applies when
 * the variable is set but empty. A reference to an unset variable without a default is an error.
 */
final class EnvSubstitution {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private final Function<String, String> env;
  private final List<String> errors;

  EnvSubstitution(Function<String, String> env, List<String> errors) {
    this.env = env;
    this.errors = errors;
  }

  void apply(JsonObject object, String path) {
    for (String key : List.copyOf(object.fieldNames())) {
      Object value = object.getValue(key);
      Object replaced = substitute(value, JsonPath.child(path, key));
      if (replaced != value) {
        object.put(key, replaced);
      }
    }
  }

  private void apply(JsonArray array, String path) {
    for (int i = 0; i < array.size(); i++) {
      Object value = array.getValue(i);
      Object replaced = substitute(value, JsonPath.index(path, i));
      if (replaced != value) {
        array.set(i, replaced);
      }
    }
  }

  private Object substitute(Object value, String path) {
    if (value instanceof JsonObject object) {
      apply(object, path);
    } else if (value instanceof JsonArray array) {
      apply(array, path);
    } else if (value instanceof String text && text.contains("${")) {
      return expand(text, path);
    }
    return value;
  }

  private String expand(String text, String path) {
    Matcher matcher = REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      String value = env.apply(name);
      if (value == null || (value.isEmpty() && matcher.group(2) != null)) {
        if (matcher.group(2) == null) {
          errors.add(path + ": environment variable " + name + " is not set (write ${" + name + ":-default} to give a default)");
          value = "";
        } else {
          value = matcher.group(3);
        }
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
