package dev.bffgateway.credentials;

import dev.bffgateway.config.CredentialsConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's password hashing, shared by every event loop and kept across reloads: at most
 * {@code maxConcurrent} checks run at once, on a worker pool of that size (never on an event loop), and at most
 * {@code maxQueued} wait. Any more is refused at once with {@link PasswordChecksBusyException}: an unbounded queue
 * would let a flood of sign-ins for made-up names delay every real user's sign-in by seconds.
 */
public final class PasswordChecks {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordChecks.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private final WorkerExecutor workers;
  private final int capacity;
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private final CredentialsConfig.Checks limits;

  public PasswordChecks(Vertx vertx, CredentialsConfig.Checks limits) {
    // Named for thread dumps and the worker-pool metrics. A pool of this name shared with another gateway in the
    // same Vert.x would keep the first one's size: one gateway per Vert.x, as Gateway.start is used.
    this.workers = vertx.createSharedWorkerExecutor("bff-password-hashing", limits.maxConcurrent());
    this.capacity = limits.maxConcurrent() + limits.maxQueued();
    this.limits = limits;
  }

  /** Runs a check on the hashing pool, or fails with {@link PasswordChecksBusyException} when it is full. */
  public <T> Future<T> run(Callable<T> check) {
    if (admitted.incrementAndGet() > capacity) {
      admitted.decrementAndGet();
      long last = lastWarned.get();
      long now = System.nanoTime();
      if (now - last >= WARN_EVERY_NANOS && lastWarned.compareAndSet(last, now)) {
        LOG.warn("password checks full ({} running, {} waiting): sign-ins are refused with 503 until one is done "
          + "(credentials.maxConcurrentChecks, credentials.maxQueuedChecks)", limits.maxConcurrent(), limits.maxQueued());
      }
      return Future.failedFuture(new PasswordChecksBusyException());
    }
    return workers.<T>executeBlocking(() -> {
      peak.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        return check.call();
      } finally {
        running.decrementAndGet();
      }
    }, false).andThen(done -> admitted.decrementAndGet());
  }

  /** The most checks that ever ran at the same time. */
  public int peakRunning() {
    return peak.get();
  }

  public Future<Void> close() {
    return workers.close();
  }
}
