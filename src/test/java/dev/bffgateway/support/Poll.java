package dev.bffgateway.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition that no future announces (a process's state, another thread's output), by polling it. */
public final class Poll {
  private static final long INTERVAL_NANOS = Duration.ofMillis(5).toNanos();

  private Poll() {
  }

  /** Returns once {@code condition} holds; fails, naming {@code what}, once {@code timeout} has passed. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      LockSupport.parkNanos(INTERVAL_NANOS);
    }
  }
}
