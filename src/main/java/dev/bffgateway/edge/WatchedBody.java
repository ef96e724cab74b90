package dev.bffgateway.edge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** An upstream's response body that moves its exchange's deadline on with every chunk and ends it with the body. */
final class WatchedBody implements ReadStream<Buffer> {
  private final ReadStream<Buffer> body;
  private final UpstreamDeadlines.Watch watch;

  WatchedBody(ReadStream<Buffer> body, UpstreamDeadlines.Watch watch) {
    this.body = body;
    this.watch = watch;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    body.handler(handler == null ? null : chunk -> {
      watch.touch();
      handler.handle(chunk);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    body.endHandler(handler == null ? null : ended -> {
      watch.end();
      handler.handle(ended);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    body.exceptionHandler(handler == null ? null : failure -> {
      watch.end();
      handler.handle(failure);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    watch.paused(true);
    body.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    watch.paused(false);
    body.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    watch.paused(false);
    body.fetch(amount);
    return this;
  }
}
