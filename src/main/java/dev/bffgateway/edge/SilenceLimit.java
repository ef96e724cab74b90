package dev.bffgateway.edge;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.util.concurrent.TimeUnit;

/**
 * An upstream's response body that may fall silent for the route's timeout at most: Vert.x's request idle timeout
 * stops at the response head, so a body that stalls would otherwise hold the client (and the connection) until the
 * upstream gives up. The timer is set once and moved on only when it fires, so a busy stream costs a clock read per
 * chunk. On silence, {@code onSilence} runs once (it resets the upstream request, which fails the relay, so the
 * client's response is cut rather than made to look complete).
 */
final class SilenceLimit implements ReadStream<Buffer> {
  private final ReadStream<Buffer> body;
  private final Vertx vertx;
  private final long limitNanos;
  private final Runnable onSilence;
  private long lastData = System.nanoTime();
  private long timer = -1;
  private boolean paused;
  private boolean over;

  SilenceLimit(ReadStream<Buffer> body, Vertx vertx, long limitMs, Runnable onSilence) {
    this.body = body;
    this.vertx = vertx;
    this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMs);
    this.onSilence = onSilence;
  }

  private void arm(long inNanos) {
    timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(inNanos)), id -> check());
  }

  private void check() {
    if (over) {
      return;
    }
    long silent = System.nanoTime() - lastData;
    if (paused || silent < limitNanos) {
      arm(paused ? limitNanos : limitNanos - silent);
      return;
    }
    stop();
    onSilence.run();
  }

  private void stop() {
    over = true;
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      body.handler(null);
      return this;
    }
    if (timer == -1 && !over) {
      arm(limitNanos);
    }
    body.handler(chunk -> {
      lastData = System.nanoTime();
      handler.handle(chunk);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    body.endHandler(handler == null ? null : ended -> {
      stop();
      handler.handle(ended);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    body.exceptionHandler(handler == null ? null : failure -> {
      stop();
      handler.handle(failure);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    paused = true;
    body.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    // Silence while the client is the slow side is not the upstream's.
    paused = false;
    lastData = System.nanoTime();
    body.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    paused = false;
    lastData = System.nanoTime();
    body.fetch(amount);
    return this;
  }
}
