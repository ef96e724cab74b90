package dev.bffgateway.cli;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.httpproxy.HttpProxy;

/**
 * A bare vertx-http-proxy {@link HttpProxy} in front of one upstream, for {@code scripts/bench proxy}: the floor
 * of the library on the gateway's transport, with none of the gateway's own code (no interceptors, no header
 * rules, no access log, no flush batching). One verticle, so one event loop; the upstream client is pooled like
 * the gateway's (keep-alive, TCP_NODELAY, at most {@value #POOL_SIZE} HTTP/1 connections).
 */
public final class BareProxy extends VerticleBase {
  static final int POOL_SIZE = 64;
  private static final int IDLE_TIMEOUT_SECONDS = 60;

  private final String host;
  private final int port;
  private final String upstreamHost;
  private final int upstreamPort;
  private int actualPort;

  /** @param port 0 for any free port ({@link #actualPort()} once deployed) */
  public BareProxy(String host, int port, String upstreamHost, int upstreamPort) {
    this.host = host;
    this.port = port;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  @Override
  public Future<?> start() {
    HttpClient client = vertx.httpClientBuilder()
      .with(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(IDLE_TIMEOUT_SECONDS).setTcpNoDelay(true))
      .with(new PoolOptions().setHttp1MaxSize(POOL_SIZE))
      .build();
    return vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(IDLE_TIMEOUT_SECONDS).setTcpNoDelay(true))
      .requestHandler(HttpProxy.reverseProxy(client).origin(upstreamPort, upstreamHost))
      .listen(port, host)
      .onSuccess(server -> actualPort = server.actualPort())
      .map(HttpServer::actualPort);
  }

  public int actualPort() {
    return actualPort;
  }
}
