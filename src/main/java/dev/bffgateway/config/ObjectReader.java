package dev.bffgateway.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one JSON object of the configuration (or of a data file such as users.json), recording every problem with its JSON path instead of
 * stopping at the first, and reporting the keys nobody asked for (typos must not be silently ignored).
 * Numbers and booleans may also be written as strings, since {@code ${ENV}} substitution yields strings.
 */
public final class ObjectReader {
  private final JsonObject json;
  private final String path;
  private final List<String> errors;
  private final Set<String> known = new HashSet<>();
  // Shared with the readers nested in this one, like errors: the whole file's schema as its reader asks for it.
  private final Set<String> asked;

  public ObjectReader(JsonObject json, String path, List<String> errors) {
    this(json, path, errors, new TreeSet<>());
  }

  private ObjectReader(JsonObject json, String path, List<String> errors, Set<String> asked) {
    this.json = json;
    this.path = path;
    this.errors = errors;
    this.asked = asked;
  }

  public String path() {
    return path;
  }

  public String pathOf(String key) {
    return JsonPath.child(path, key);
  }

  /** Records an error, one per path: a value whose substitution already failed is not also reported as invalid. */
  public void error(String key, String message) {
    String prefix = pathOf(key) + ": ";
    if (errors.stream().noneMatch(error -> error.startsWith(prefix))) {
      errors.add(prefix + message);
    }
  }

  /** Whether key is present (marks it as known). */
  public boolean has(String key) {
    return hasValue(key);
  }

  public boolean isString(String key) {
    return json.getValue(key) instanceof String;
  }

  public boolean isArray(String key) {
    return value(key) instanceof JsonArray;
  }

  /**
   * The JSON path of every key this reader and the readers nested in it have asked for so far, present or not,
   * such as {@code routes[0].upstream}: what a file may hold, for checking its documentation against the code.
   */
  Set<String> keysAsked() {
    return Collections.unmodifiableSet(asked);
  }

  public int errorCount() {
    return errors.size();
  }

  public String string(String key, String fallback) {
    return read(key, fallback, "must be a string", value -> value instanceof String text ? text : null);
  }

  /**
   * One of an enum's constants, written in the config as its name in lower case ({@code io_uring} for
   * {@code IO_URING}); for any other string an error naming the choices, and the fallback.
   */
  @SafeVarargs
  public final <E extends Enum<E>> E choice(String key, E fallback, E... choices) {
    String name = string(key, configName(fallback));
    List<String> names = new ArrayList<>(choices.length);
    for (E choice : choices) {
      if (configName(choice).equals(name)) {
        return choice;
      }
      names.add(configName(choice));
    }
    error(key, "\"" + name + "\" is not one of " + String.join(", ", names));
    return fallback;
  }

  private static String configName(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  /** A string that must be present and not blank; null (with an error recorded) otherwise. */
  public String requiredString(String key) {
    if (!hasValue(key)) {
      error(key, "is required");
      return null;
    }
    String value = string(key, null);
    if (value != null && value.isBlank()) {
      error(key, "must not be empty");
      return null;
    }
    return value;
  }

  public long number(String key, long fallback, long min, long max) {
    Long parsed = read(key, null, "must be a whole number", ObjectReader::asLong);
    if (parsed == null) {
      return fallback;
    }
    if (parsed < min || parsed > max) {
      error(key, parsed + " is out of range (" + min + " to " + max + ")");
      return fallback;
    }
    return parsed;
  }

  public int integer(String key, int fallback, int min, int max) {
    return (int) number(key, fallback, min, max);
  }

  public boolean bool(String key, boolean fallback) {
    return read(key, fallback, "must be true or false", ObjectReader::asBoolean);
  }

  /** The value at key converted, the fallback when absent, or the fallback and an error when it cannot convert. */
  private <T> T read(String key, T fallback, String expectation, Function<Object, T> convert) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    T converted = convert.apply(value);
    if (converted == null) {
      error(key, expectation + ", not " + describe(value));
      return fallback;
    }
    return converted;
  }

  private static Long asLong(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    if (value instanceof String text && text.trim().matches("-?\\d{1,18}")) {
      return Long.parseLong(text.trim());
    }
    return null;
  }

  private static Boolean asBoolean(Object value) {
    if (value instanceof Boolean flag) {
      return flag;
    }
    if (value instanceof String text && (text.equals("true") || text.equals("false"))) {
      return Boolean.parseBoolean(text);
    }
    return null;
  }

  /** The nested object at key; an empty one when absent, so defaults apply. */
  public ObjectReader object(String key) {
    Object value = value(key);
    if (value != null && !(value instanceof JsonObject)) {
      error(key, "must be an object, not " + describe(value));
      value = null;
    }
    return new ObjectReader(value == null ? new JsonObject() : (JsonObject) value, pathOf(key), errors, asked);
  }

  /** The nested object at key, or null when absent. */
  public ObjectReader optionalObject(String key) {
    return hasValue(key) ? object(key) : null;
  }

  public List<ObjectReader> objects(String key) {
    List<ObjectReader> readers = new ArrayList<>();
    JsonArray array = array(key);
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      String itemPath = JsonPath.index(pathOf(key), i);
      if (item instanceof JsonObject object) {
        readers.add(new ObjectReader(object, itemPath, errors, asked));
      } else {
        errors.add(itemPath + ": must be an object, not " + describe(item));
      }
    }
    return readers;
  }

  /** Strings of an array; null when the key is absent. */
  public List<String> strings(String key) {
    if (!hasValue(key)) {
      return null;
    }
    List<String> values = new ArrayList<>();
    JsonArray array = array(key);
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (item instanceof String text) {
        values.add(text);
      } else {
        errors.add(JsonPath.index(pathOf(key), i) + ": must be a string, not " + describe(item));
      }
    }
    return values;
  }

  /** Records every key of this object that no reader asked for. Call after reading all of them. */
  public void rejectUnknownKeys() {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(known);
    for (String key : unknown) {
      error(key, "unknown key" + suggestion(key));
    }
  }

  private String suggestion(String key) {
    for (String candidate : new TreeSet<>(known)) {
      if (candidate.equalsIgnoreCase(key) || editDistance(candidate, key) <= 2) {
        return " (did you mean \"" + candidate + "\"?)";
      }
    }
    return "";
  }

  private JsonArray array(String key) {
    Object value = value(key);
    if (value == null) {
      return new JsonArray();
    }
    if (value instanceof JsonArray array) {
      return array;
    }
    error(key, "must be an array, not " + describe(value));
    return new JsonArray();
  }

  private boolean hasValue(String key) {
    return value(key) != null;
  }

  private Object value(String key) {
    known.add(key);
    asked.add(pathOf(key));
    return json.getValue(key);
  }

  private static String describe(Object value) {
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof String text) {
      return "\"" + text + "\"";
    }
    return String.valueOf(value);
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
