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
 * A Redis client that runs at most as many operations at once as its pool has connections to each node; the
 * others wait here, in order. vertx-redis-client's Cluster client takes, for every operation, a pooled
 * connection to every primary, one pool at a time: operations that hold some connections while waiting for the
 * rest can wait for each other for ever once more of them run than a pool holds. Below the pool size that
 * cannot happen. On the other topologies an operation takes one connection, and the bound changes nothing.
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
