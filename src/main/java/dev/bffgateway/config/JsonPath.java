package dev.bffgateway.config;

/** Builds the JSON paths that name each configuration error, e.g. {@code routes[2].upstream}. */
final class JsonPath {
  static final String ROOT = "";

  private JsonPath() {
  }

  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  static String display(String path) {
    return path.isEmpty() ? "(root)" : path;
  }
}
