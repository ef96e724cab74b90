package dev.bffgateway.config;

import java.util.List;

/**
 * The listener: where it binds, how it speaks, and how many event-loop instances serve it.
 *
 * @param tls       null for plain HTTP
 * @param instances            event-loop verticle instances; already resolved (0 in the file means one per core)
 * @param shutdownGraceSeconds how long a stopping gateway lets in-flight requests finish
 * @param accessLog            whether each request is logged as a JSON line on the logger {@code bff.access}
 * @param maxConnections       open client connections the gateway accepts at once; more are closed at once
 * @param hstsMaxAgeSeconds    Strict-Transport-Security max-age on https responses; 0 for none
 * @param transport            the network transport of the gateway's Vert.x
 * @param h2c                  whether the plain-HTTP listener also speaks cleartext HTTP/2 (prior knowledge and
 *                             {@code Upgrade: h2c}); HTTP/2 over TLS is negotiated by ALPN regardless
 * @param trustedProxies       the proxies (load balancers) whose X-Forwarded-For or Forwarded names the client;
 *                             empty: every peer is the client
 */
public record ServerConfig(String host, int port, TlsConfig tls, long maxBodyBytes, int idleTimeoutSeconds, int instances,
                           int shutdownGraceSeconds, boolean accessLog, int maxConnections, long hstsMaxAgeSeconds,
                           Transport transport, boolean h2c, List<IpRange> trustedProxies) {
  /** AUTO: io_uring where the kernel allows it, else epoll, else Java's NIO. */
  public enum Transport {
    AUTO, IO_URING, EPOLL, NIO
  }
}
