package dev.bffgateway.edge;

/**
 * Normalises a raw request path before it is matched, so that a request never reaches a route its real
 * path does not match: {@code /api/../admin}, {@code /api/%2e%2e/admin} and {@code //admin} all become
 * {@code /admin}. Percent-encoded unreserved characters are decoded (RFC 3986 §6.2.2.2); encoded
 * {@code /}, {@code \} and NUL, bad escapes, control characters and paths that climb above the root are
 * refused (null), since an upstream could read them differently from us.
 */
public final class PathNormalizer {
  private PathNormalizer() {
  }

  /** The normalised path, or null when the path must be refused with 400. */
  public static String normalize(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return null;
    }
    return isNormal(raw) ? raw : normalizeSlowly(raw);
  }

  /**
   * The path without the {@code ;} parameters of its segments (RFC 3986 §3.3): {@code /a;x/b;y=1} is {@code /a/b}.
   * What a servlet container routes on, so what a route that accepts parameters is chosen by.
   */
  public static String withoutParameters(String path) {
    StringBuilder out = new StringBuilder(path.length());
    int i = 0;
    while (i < path.length()) {
      int semicolon = path.indexOf(';', i);
      if (semicolon < 0) {
        out.append(path, i, path.length());
        break;
      }
      out.append(path, i, semicolon);
      int slash = path.indexOf('/', semicolon);
      i = slash < 0 ? path.length() : slash;
    }
    return out.toString();
  }

  /** The common case, checked in one pass without allocating: nothing to decode, collapse or resolve. */
  private static boolean isNormal(String path) {
    int length = path.length();
    for (int i = 0; i < length; i++) {
      char c = path.charAt(i);
      if (c == '%' || c == '\\' || c < 0x21 || c == 0x7f) {
        return false;
      }
      if (c == '/' && i + 1 < length) {
        char next = path.charAt(i + 1);
        if (next == '/' || (next == '.' && isDotSegmentAt(path, i + 1))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isDotSegmentAt(String path, int start) {
    int end = path.indexOf('/', start);
    int length = (end < 0 ? path.length() : end) - start;
    return length == 1 || (length == 2 && path.charAt(start + 1) == '.');
  }

  private static String normalizeSlowly(String raw) {
    String decoded = decodeUnreserved(raw);
    if (decoded == null) {
      return null;
    }
    String[] segments = decoded.split("/", -1);
    String[] kept = new String[segments.length];
    int depth = 0;
    boolean trailingSlash = false;
    for (int i = 1; i < segments.length; i++) {
      String segment = segments[i];
      boolean last = i == segments.length - 1;
      if (segment.isEmpty() || segment.equals(".")) {
        trailingSlash = last;
      } else if (segment.equals("..")) {
        if (depth == 0) {
          return null;
        }
        depth--;
        trailingSlash = last;
      } else {
        kept[depth++] = segment;
        trailingSlash = false;
      }
    }
    StringBuilder out = new StringBuilder(decoded.length());
    for (int i = 0; i < depth; i++) {
      out.append('/').append(kept[i]);
    }
    if (trailingSlash || depth == 0) {
      out.append('/');
    }
    return out.toString();
  }

  private static String decodeUnreserved(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\' || c < 0x21 || c == 0x7f) {
        return null;
      }
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (i + 2 >= raw.length()) {
        return null;
      }
      int high = Character.digit(raw.charAt(i + 1), 16);
      int low = Character.digit(raw.charAt(i + 2), 16);
      if (high < 0 || low < 0) {
        return null;
      }
      char decoded = (char) (high * 16 + low);
      if (decoded == '/' || decoded == '\\' || decoded < 0x20 || decoded == 0x7f) {
        return null;
      }
      if (isUnreserved(decoded)) {
        out.append(decoded);
      } else {
        out.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    return out.toString();
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
      || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
