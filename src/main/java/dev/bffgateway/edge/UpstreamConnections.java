package dev.bffgateway.edge;

import io.vertx.core.http.HttpConnection;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Which of an event loop's pooled upstream connections have carried a request already. A request lost unanswered on
 * such a connection may have met the upstream closing it as idle, and is worth sending again; one lost on a new
 * connection is the upstream's answer. Vert.x's client does not say, so the gateway remembers, without keeping a
 * closed connection alive (weak keys). Used on its event loop only.
 */
public final class UpstreamConnections {
  static final String REUSED = "bff.reusedConnection";

  private final Set<HttpConnection> carried = Collections.newSetFromMap(new WeakHashMap<>());

  /** Whether the connection carried a request before this one; from now on it has. */
  boolean reused(HttpConnection connection) {
    return !carried.add(connection);
  }
}
