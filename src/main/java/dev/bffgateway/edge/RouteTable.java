package dev.bffgateway.edge;

import java.util.HashMap;
import java.util.Map;

/**
 * Longest-prefix matching by whole path segments: {@code /api} matches {@code /api} and {@code /api/x} but not
 * {@code /apix}. A trie of segments, so a match costs one map lookup per segment of the request path, however
 * many routes there are. Immutable once built; safe to share between event loops.
 */
public final class RouteTable<T> {
  private final Node<T> root;

  private RouteTable(Node<T> root) {
    this.root = root;
  }

  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** The value of the longest prefix of a normalised path, or null when none matches. */
  public T match(String path) {
    Node<T> node = root;
    T best = node.value;
    int start = 1;
    int length = path.length();
    while (start < length) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = length;
      }
      node = node.children.get(path.substring(start, end));
      if (node == null) {
        break;
      }
      if (node.value != null) {
        best = node.value;
      }
      start = end + 1;
    }
    return best;
  }

  private static final class Node<T> {
    final Map<String, Node<T>> children = new HashMap<>(4);
    T value;
  }

  public static final class Builder<T> {
    private final Node<T> root = new Node<>();

    /**
     * Sets the value for a canonical prefix ({@code /} or {@code /a/b}); replaces any value the prefix had.
     */
    public Builder<T> put(String prefix, T value) {
      Node<T> node = root;
      for (String segment : prefix.split("/")) {
        if (!segment.isEmpty()) {
          node = node.children.computeIfAbsent(segment, s -> new Node<>());
        }
      }
      node.value = value;
      return this;
    }

    public RouteTable<T> build() {
      return new RouteTable<>(root);
    }
  }
}
