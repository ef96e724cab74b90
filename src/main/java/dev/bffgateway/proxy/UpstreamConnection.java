package dev.bffgateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.nio.channels.ClosedChannelException;

/**
 * The end of a pooled upstream connection's pipeline: hands what the codec decoded to the exchange the connection
 * carries. A response nobody asked for closes the connection: what comes after it could not be framed.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
  private final Channel channel;
  private final UpstreamPools.Pool pool;
  private Forwarder.PooledExchange exchange;
  private long idleSince;
  private boolean carriedBefore;

  UpstreamConnection(Channel channel, UpstreamPools.Pool pool) {
    this.channel = channel;
    this.pool = pool;
  }

  Channel channel() {
    return channel;
  }

  long idleSince() {
    return idleSince;
  }

  void idle(long since) {
    idleSince = since;
  }

  void carry(Forwarder.PooledExchange exchange) {
    this.exchange = exchange;
  }

  /** Whether an exchange before the current one ended on this connection. */
  boolean carriedBefore() {
    return carriedBefore;
  }

  /** Ends the exchange: the connection goes back to its pool, or is closed when it cannot carry another. */
  void finish(boolean reusable) {
    exchange = null;
    carriedBefore = true;
    pool.release(this, reusable);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (exchange == null) {
      ReferenceCountUtil.release(message);
      channel.close();
      return;
    }
    exchange.upstreamRead(message);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && channel.isWritable()) {
      exchange.upstreamWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    failed(new ClosedChannelException());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failed(cause);
    channel.close();
  }

  private void failed(Throwable cause) {
    Forwarder.PooledExchange failed = exchange;
    exchange = null;
    if (failed != null) {
      failed.upstreamFailed(cause);
    }
  }
}
