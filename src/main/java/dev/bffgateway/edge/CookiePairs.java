package dev.bffgateway.edge;

/**
 * Walks the {@code name=value} pairs of one Cookie header value in place, without splitting or copying it: the
 * gateway reads its cookies and strips them from proxied requests on every request, and an access-token cookie
 * is hundreds of bytes. Pairs, names and values are trimmed as {@link String#trim()} does. A pair without a
 * name ({@code =x}) or without {@code =} is {@link #junk()}; the name of the latter is the whole pair.
 */
public final class CookiePairs {
  private final String header;
  private int position;
  private int pairStart;
  private int pairEnd;
  private int nameEnd;
  private int valueStart;
  private boolean junk;

  public CookiePairs(String header) {
    this.header = header;
  }

  /** Moves to the next pair that is not blank; false at the end of the header. */
  public boolean next() {
    while (position <= header.length()) {
      int end = header.indexOf(';', position);
      if (end < 0) {
        end = header.length();
      }
      pairStart = skipSpaces(position, end);
      pairEnd = trimEnd(pairStart, end);
      position = end + 1;
      if (pairStart == pairEnd) {
        continue;
      }
      int equals = equalsSign(pairStart, pairEnd);
      junk = equals < 0 || trimEnd(pairStart, equals) == pairStart;
      nameEnd = junk ? pairEnd : trimEnd(pairStart, equals);
      valueStart = junk ? pairEnd : skipSpaces(equals + 1, pairEnd);
      return true;
    }
    return false;
  }

  /** Whether this pair has no {@code =}, or nothing before it. */
  public boolean junk() {
    return junk;
  }

  public boolean nameIs(String name) {
    return nameEnd - pairStart == name.length() && header.startsWith(name, pairStart);
  }

  /** The value, without the double quotes RFC 6265 allows around it. */
  public String value() {
    int start = valueStart;
    int end = pairEnd;
    if (end - start >= 2 && header.charAt(start) == '"' && header.charAt(end - 1) == '"') {
      start++;
      end--;
    }
    return header.substring(start, end);
  }

  /** Appends the whole pair, trimmed, as it was sent. */
  public StringBuilder appendPair(StringBuilder out) {
    return out.append(header, pairStart, pairEnd);
  }

  /**
   * The first {@code =} within the pair, or -1. Searching only the pair keeps a walk linear: from the pair on to the
   * end of the header, a header of many pairs without {@code =} cost time in the square of its length.
   */
  private int equalsSign(int from, int end) {
    for (int i = from; i < end; i++) {
      if (header.charAt(i) == '=') {
        return i;
      }
    }
    return -1;
  }

  private int skipSpaces(int from, int end) {
    while (from < end && isSpace(header.charAt(from))) {
      from++;
    }
    return from;
  }

  private int trimEnd(int start, int end) {
    while (end > start && isSpace(header.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private static boolean isSpace(char c) {
    return c <= ' ';
  }
}
