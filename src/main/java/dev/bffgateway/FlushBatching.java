package dev.bffgateway;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Defers a connection's flushes to the end of the event loop's current round of I/O, with Netty's
 * {@link FlushConsolidationHandler}. A proxied response arrives on the upstream connection, so Vert.x flushes it to
 * the client at once, each flush a system call that wakes the peer on its own; batched, the event loop writes a
 * round's responses (and upstream requests) back to back and each peer wakes once per round. On loopback with 64
 * connections that was a fifth or more of the gateway's throughput (docs/performance.md). Netty still flushes at
 * once when a connection stops being writable, before it closes, and after 256 pending flushes.
 * <p>Vert.x has no option for it, so the handler goes into the connection's Netty pipeline through its internal
 * {@link ConnectionBase}: the one use of a Vert.x internal API in the gateway, kept here alone. FlushBatchingTest
 * fails when an upgrade moves it or hands out connections that are not one.
 */
final class FlushBatching {
  private FlushBatching() {
  }

  /** @return whether the connection batches its flushes now; one of another kind keeps Vert.x's own flushing */
  static boolean install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().pipeline().addFirst(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
      return true;
    }
    return false;
  }
}
