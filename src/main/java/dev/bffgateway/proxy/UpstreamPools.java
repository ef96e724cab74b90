package dev.bffgateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One event loop's keep-alive HTTP/1.1 connections to its plain-http upstreams, on Netty's HTTP codec directly.
 * Vert.x's HttpClient, with its connection pool, request and response streams and futures per request, was about
 * a third of the gateway's CPU per proxied request; a request here takes a pooled channel, writes Netty's own
 * request objects and gets Netty's response objects back (docs/performance.md). Https upstreams and WebSocket
 * upgrades stay on Vert.x's client, which brings TLS and the upgrade handshake.
 * <p>Only the event loop that built it may use it: nothing here is synchronised.
 */
public final class UpstreamPools {
  private final ContextInternal context;
  private final Bootstrap bootstrap;
  private final int maxPerUpstream;
  private final long idleTimeoutMs;
  private final Map<String, Pool> pools = new HashMap<>();
  /** Closes the connections idle for longer than idleTimeoutMs, even on a pool no request takes from any more. */
  private final ScheduledFuture<?> sweep;
  private boolean closed;

  /**
   * @param context          the event loop's context, on which everything here runs
   * @param maxPerUpstream   connections open to one upstream at most (proxy.poolSize)
   * @param connectTimeoutMs the longest a TCP connection may take to open (proxy.connectTimeoutMs); a route may
   *                         wait less for one (see {@link Pool#acquire})
   * @param idleTimeoutMs    how long a connection may stay idle before it is closed (proxy.idleTimeoutSeconds)
   * @param flushBatching    a new flush-batching handler for each connection (see FlushBatching)
   */
  public UpstreamPools(ContextInternal context, int maxPerUpstream, long connectTimeoutMs, long idleTimeoutMs,
                       Supplier<ChannelHandler> flushBatching) {
    this.context = context;
    this.maxPerUpstream = maxPerUpstream;
    this.idleTimeoutMs = idleTimeoutMs;
    HttpClientOptions defaults = new HttpClientOptions();
    HttpDecoderConfig decoding = new HttpDecoderConfig()
      .setMaxInitialLineLength(defaults.getMaxInitialLineLength())
      .setMaxHeaderSize(defaults.getMaxHeaderSize())
      .setMaxChunkSize(defaults.getMaxChunkSize());
    VertxInternal vertx = context.owner();
    this.bootstrap = new Bootstrap()
      .group(context.nettyEventLoop())
      .channelFactory(vertx.transport().channelFactory(false))
      // Vert.x's asynchronous resolver: Netty's default would look host names up on the event loop, blocking it.
      .resolver(vertx.nameResolver().nettyAddressResolverGroup())
      .option(ChannelOption.TCP_NODELAY, true)
      .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
      .handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast(flushBatching.get(), new HttpClientCodec(decoding, false, false));
        }
      });
    // A connection outlives its idle timeout by at most a quarter of it.
    long sweepMs = Math.max(1, idleTimeoutMs / 4);
    this.sweep = context.nettyEventLoop().scheduleAtFixedRate(this::closeExpired, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
  }

  private void closeExpired() {
    long now = System.currentTimeMillis();
    for (Pool pool : pools.values()) {
      pool.closeExpired(now);
    }
  }

  /** The pool of the upstream at host:port, shared by every route of this event loop that points there. */
  Pool pool(String host, int port) {
    return pools.computeIfAbsent(host + ':' + port, key -> new Pool(host, port));
  }

  /** Closes the idle connections; those in use close when their exchange ends. */
  public void close() {
    closed = true;
    sweep.cancel(false);
    for (Pool pool : pools.values()) {
      pool.closeIdle();
    }
  }

  /** Keep-alive connections to one upstream: the most recently used first, at most maxPerUpstream open. */
  final class Pool {
    private final String host;
    private final int port;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    /** Connections open or being opened. */
    private int open;
    /** Connections being opened. */
    private int connecting;

    private Pool(String host, int port) {
      this.host = host;
      this.port = port;
    }

    /**
     * A connection for one exchange: an idle one, else the next one to open or be released. Fails with a
     * {@link TimeoutException} when none came within timeoutMs; a connection that opens later is kept for the next.
     */
    Future<UpstreamConnection> acquire(long timeoutMs) {
      // Between two sweeps a connection may have run out its idle time.
      closeExpired(System.currentTimeMillis());
      UpstreamConnection connection;
      while ((connection = idle.pollFirst()) != null) {
        if (connection.channel().isActive()) {
          return context.succeededFuture(connection);
        }
        connection.channel().close();
      }
      Waiter waiter = new Waiter(context.promise());
      waiting.addLast(waiter);
      waiter.timer = context.nettyEventLoop().schedule(() -> {
        if (waiting.remove(waiter)) {
          waiter.promise.fail(new TimeoutException(
            "No connection to " + host + ':' + port + " within " + timeoutMs + " ms"));
        }
      }, timeoutMs, TimeUnit.MILLISECONDS);
      connectForWaiters();
      return waiter.promise.future();
    }

    /** Takes a connection back after its exchange; one that cannot carry another exchange is closed. */
    void release(UpstreamConnection connection, boolean reusable) {
      if (!reusable || closed || !connection.channel().isActive()) {
        connection.channel().close();
        return;
      }
      Waiter next = waiting.pollFirst();
      if (next != null) {
        next.timer.cancel(false);
        next.promise.complete(connection);
      } else {
        connection.idle(System.currentTimeMillis());
        idle.addFirst(connection);
      }
    }

    /** Opens a connection for the first waiter; a failure is that waiter's. */
    private void connect() {
      open++;
      connecting++;
      bootstrap.connect(host, port).addListener((ChannelFuture connected) -> {
        connecting--;
        if (!connected.isSuccess()) {
          open--;
          Waiter first = waiting.pollFirst();
          if (first != null) {
            first.timer.cancel(false);
            first.promise.fail(connected.cause());
          }
          connectForWaiters();
          return;
        }
        Channel channel = connected.channel();
        UpstreamConnection connection = new UpstreamConnection(channel, this);
        channel.pipeline().addLast(connection);
        channel.closeFuture().addListener(gone -> closed(connection));
        release(connection, true);
      });
    }

    private void closed(UpstreamConnection connection) {
      open--;
      idle.remove(connection);
      connectForWaiters();
    }

    /** Each waiter gets a connection attempt of its own while the pool has room. */
    private void connectForWaiters() {
      if (waiting.size() > connecting && open < maxPerUpstream) {
        connect();
      }
    }

    private void closeIdle() {
      closeIdleSince(Long.MAX_VALUE);
    }

    private void closeExpired(long now) {
      closeIdleSince(now - idleTimeoutMs);
    }

    /** Closes the connections idle since before the given time: the least recently used are last. */
    private void closeIdleSince(long time) {
      UpstreamConnection connection;
      while ((connection = idle.peekLast()) != null && connection.idleSince() < time) {
        idle.pollLast();
        connection.channel().close();
      }
    }

    private static final class Waiter {
      private final Promise<UpstreamConnection> promise;
      private ScheduledFuture<?> timer;

      private Waiter(Promise<UpstreamConnection> promise) {
        this.promise = promise;
      }
    }
  }
}
