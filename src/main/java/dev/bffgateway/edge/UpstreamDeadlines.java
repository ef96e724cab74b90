package dev.bffgateway.edge;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The route timeouts of one event loop's upstream exchanges in flight: the wait for the response head and any
 * silence while its body streams (Vert.x's request idle timeout stops at the head). One periodic sweep checks them
 * all, instead of a timer set and cancelled per request, which cost about as much as the header rules; a timeout
 * fires within a quarter of the shortest route timeout after it is due. The sweep runs only while exchanges are
 * in flight. Used on its event loop only.
 */
public final class UpstreamDeadlines {
  private final Vertx vertx;
  private final Set<Watch> active = new LinkedHashSet<>();
  private long tickMs;
  private long timer = -1;

  /** @param shortestTimeoutMs the shortest route timeout; the sweep runs four times within it (10 ms to 1 s apart) */
  public UpstreamDeadlines(Vertx vertx, long shortestTimeoutMs) {
    this.vertx = vertx;
    tick(shortestTimeoutMs);
  }

  /** After a reload: the sweep's period for the new routes' shortest timeout. */
  public void tick(long shortestTimeoutMs) {
    tickMs = Math.max(10, Math.min(1_000, shortestTimeoutMs / 4));
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
      arm();
    }
  }

  /** Starts watching an exchange: {@code onExpiry} runs once if it is silent for {@code limitMs}. */
  Watch watch(long limitMs, Runnable onExpiry) {
    Watch watch = new Watch(TimeUnit.MILLISECONDS.toNanos(limitMs), onExpiry);
    active.add(watch);
    arm();
    return watch;
  }

  private void arm() {
    if (timer == -1 && !active.isEmpty()) {
      timer = vertx.setPeriodic(tickMs, id -> sweep());
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    List<Watch> expired = null;
    for (Watch watch : active) {
      if (!watch.paused && now - watch.lastActivity >= watch.limitNanos) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(watch);
      }
    }
    if (expired != null) {
      expired.forEach(watch -> {
        watch.end();
        watch.onExpiry.run();
      });
    }
    if (active.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** One exchange's deadline, moved on by every sign of life. */
  final class Watch {
    private final long limitNanos;
    private final Runnable onExpiry;
    private long lastActivity = System.nanoTime();
    private boolean paused;

    private Watch(long limitNanos, Runnable onExpiry) {
      this.limitNanos = limitNanos;
      this.onExpiry = onExpiry;
    }

    void touch() {
      lastActivity = System.nanoTime();
    }

    /** While the client is the slow side, the upstream's silence does not count. */
    void paused(boolean paused) {
      this.paused = paused;
      touch();
    }

    void end() {
      active.remove(this);
    }
  }
}
