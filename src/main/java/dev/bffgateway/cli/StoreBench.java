package dev.bffgateway.cli;

import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.Rotation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Measures a store the way the refresh endpoint uses it: fill it with live token families, then rotate tokens
 * with a fixed number of operations in flight for a fixed time. Every loop is bounded by count or time.
 */
final class StoreBench {
  /** Tokens kept to rotate; the rest of the live set only makes the store as large as asked. */
  private static final int ROTATION_SLOTS = 50_000;

  record Result(long live, long rotations, double seconds, long p50Micros, long p99Micros, long errors, long rssMiB) {
    String line(String type) {
      return String.format("%s live=%d rotations/s=%.0f p50=%.2fms p99=%.2fms errors=%d rss=%dMiB",
        type, live, rotations / seconds, p50Micros / 1000.0, p99Micros / 1000.0, errors, rssMiB);
    }
  }

  private StoreBench() {
  }

  static Result run(Vertx vertx, FamilyStore store, int live, int seconds, int concurrency) {
    JsonObject user = new JsonObject().put("userName", "bench").put("roles", java.util.List.of("User"));
    String[] slots = new String[Math.min(live, ROTATION_SLOTS)];
    inParallel(vertx, live, concurrency, Long.MAX_VALUE, i -> store.issue("bench-" + (i % 10_000), null, user, "bench")
      .map(issued -> {
        if (i < slots.length) {
          slots[i] = issued.token();
        }
        return true;
      })).await();

    long[] latencies = new long[4_000_000];
    long[] count = new long[2];
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long started = System.nanoTime();
    inParallel(vertx, Integer.MAX_VALUE, concurrency, deadline, i -> {
      int slot = i % slots.length;
      long begin = System.nanoTime();
      return store.rotate(slots[slot]).map(rotation -> {
        boolean rotated = rotation.outcome() == Rotation.Outcome.ROTATED;
        if (rotated) {
          slots[slot] = rotation.newToken();
          int n = (int) count[0]++;
          if (n < latencies.length) {
            latencies[n] = (System.nanoTime() - begin) / 1000;
          }
        } else {
          count[1]++;
        }
        return rotated;
      });
    }).await();
    double elapsed = (System.nanoTime() - started) / 1e9;
    long[] measured = Arrays.copyOf(latencies, (int) Math.min(count[0], latencies.length));
    Arrays.sort(measured);
    return new Result(live, count[0], elapsed, percentile(measured, 0.50), percentile(measured, 0.99), count[1], peakRssMiB());
  }

  /** Runs operation(0..total-1) with at most concurrency in flight, until all ran or the deadline passed. */
  private static Future<Void> inParallel(Vertx vertx, int total, int concurrency, long deadline, IntFunction<Future<Boolean>> operation) {
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] running = {0};
    vertx.runOnContext(v -> {
      Runnable[] launch = new Runnable[1];
      launch[0] = () -> {
        while (running[0] < concurrency && next[0] < total && System.nanoTime() < deadline) {
          int index = next[0]++;
          running[0]++;
          operation.apply(index).onComplete(result -> {
            running[0]--;
            launch[0].run();
          });
        }
        if (running[0] == 0) {
          done.tryComplete();
        }
      };
      launch[0].run();
    });
    return done.future();
  }

  private static long percentile(long[] sorted, double fraction) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(fraction * (sorted.length - 1)))];
  }

  private static long peakRssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux: no RSS to report.
    }
    return -1;
  }
}
