package dev.bffgateway.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Logback appender to standard output for one line per request: the logging thread (an event loop) only queues
 * the event; a writer thread wakes every {@code flushMillis} and writes everything queued in one write. When a
 * tick finds nothing queued, the writer sleeps until the next event wakes it, so an idle gateway does not wake
 * up a hundred times a second. Logback's AsyncAppender woke its worker for nearly every event, and the worker
 * wrote each line with its own system call: on the gateway's core that cost about a third of the proxy's
 * throughput. A full queue drops the event, as AsyncAppender with {@code neverBlock} did: a request is never held
 * up by its log line. Stopping the appender (Logback's context stop at shutdown) writes what is still queued.
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 65_536;
  private long flushMillis = 10;
  private ArrayBlockingQueue<ILoggingEvent> queue;
  private Thread writer;
  /** Set by the writer before it sleeps without a deadline; the next event wakes it. */
  private volatile boolean idle;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setFlushMillis(long flushMillis) {
    this.flushMillis = flushMillis;
  }

  @Override
  public void start() {
    if (encoder == null || queueSize < 1 || flushMillis < 1) {
      addError("BatchingConsoleAppender \"" + name + "\" needs an encoder, a queueSize >= 1 and a flushMillis >= 1");
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    writer = new Thread(this::writeUntilStopped, "bff-log-writer-" + name);
    writer.setDaemon(true);
    super.start();
    writer.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    // Whatever the encoder reads of the event later, on the writer thread, must be what it was here.
    event.prepareForDeferredProcessing();
    queue.offer(event);
    if (idle) {
      idle = false;
      LockSupport.unpark(writer);
    } else if (queue.remainingCapacity() < queueSize / 2) {
      // A burst: write now rather than at the next tick, before the queue fills and lines are dropped.
      LockSupport.unpark(writer);
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeUntilStopped() {
    List<ILoggingEvent> batch = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    boolean last = false;
    boolean foundNothing = false;
    while (!last) {
      last = !isStarted();
      if (!last) {
        sleep(foundNothing);
      }
      queue.drainTo(batch);
      foundNothing = batch.isEmpty();
      if (foundNothing) {
        continue;
      }
      try {
        for (ILoggingEvent event : batch) {
          bytes.writeBytes(encoder.encode(event));
        }
        // Through System.out, whose lock keeps the batch whole between the lines other writers print.
        bytes.writeTo(System.out);
        System.out.flush();
      } catch (IOException | RuntimeException e) {
        addError("BatchingConsoleAppender \"" + name + "\" could not write " + batch.size() + " events", e);
      }
      batch.clear();
      bytes.reset();
    }
  }

  /** Until the next tick; after a tick that found nothing, until an event (or stop) wakes the writer. */
  private void sleep(boolean foundNothing) {
    if (!foundNothing) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(flushMillis));
      return;
    }
    idle = true;
    // An event queued before the flag was set would find it clear and wake nobody: look once more.
    if (queue.isEmpty() && isStarted()) {
      LockSupport.park(this);
    }
    idle = false;
  }
}
