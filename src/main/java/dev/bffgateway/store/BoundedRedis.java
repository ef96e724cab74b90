package dev.bffgateway.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Redis Cluster client that runs at most a given number of operations at once; the others wait here, in order.
 * vertx-redis-client's Cluster client takes, for every operation, a pooled connection to every primary, one pool
 * at a time, and a refresh of the slot map (after MOVED) takes one more: operations that hold connections while
 * waiting for another, or for the refresh, wait for each other for ever once they fill a pool
 * (vertx-redis-client#541; in 5.0.8 a slot migration under load hung every operation). Fewer operations than a
 * pool holds connections cannot fill it.
 */
final class BoundedRedis implements Redis {
  private final Redis delegate;
  private final int limit;
  private final int maxWaiting;
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();
  private int running;

  BoundedRedis(Redis delegate, int limit, int maxWaiting) {
    this.delegate = delegate;
    this.limit = limit;
    this.maxWaiting = maxWaiting;
  }

  @Override
  public Future<Response> send(Request command) {
    return bounded(() -> delegate.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return bounded(() -> delegate.batch(commands));
  }

  /** A connection of its own is outside the bound: the gateway does not take one. */
  @Override
  public Future<RedisConnection> connect() {
    return delegate.connect();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }

  private <T> Future<T> bounded(Supplier<Future<T>> operation) {
    Promise<Void> turn = Promise.promise();
    synchronized (this) {
      if (running < limit) {
        running++;
        turn.complete();
      } else if (waiting.size() < maxWaiting) {
        waiting.add(turn);
      } else {
        return Future.failedFuture("too many operations waiting");
      }
    }
    return turn.future().compose(go -> operation.get()).andThen(done -> release());
  }

  private void release() {
    Promise<Void> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.complete();
    }
  }
}
