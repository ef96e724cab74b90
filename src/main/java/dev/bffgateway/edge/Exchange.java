package dev.bffgateway.edge;

import dev.bffgateway.ops.Metrics;

/** What the gateway learns about one request on its way through, for the access log and the route's meters. */
public final class Exchange {
  final long startNanos = System.nanoTime();
  String path;
  String routeId;
  Metrics.RouteMeters meters;
  String subject;
  ClientAddresses.Client client;

  /** The user the request was made for, once known. */
  public void identify(String subject) {
    this.subject = subject;
  }

  /** The request's path as normalised once by the front door: what the routes matched, and what the upstream gets. */
  public String path() {
    return path;
  }

  public String routeId() {
    return routeId;
  }

  /** The client's address: the peer's, or the one a trusted proxy forwarded (server.trustedProxies). */
  public String clientAddress() {
    return client.address();
  }

  /** The X-Forwarded-For the upstream gets: the client, the trusted proxies it came through, the peer. */
  String forwardedFor() {
    return client.forwardedFor();
  }

  public String subject() {
    return subject;
  }

  public long startNanos() {
    return startNanos;
  }

  public Metrics.RouteMeters meters() {
    return meters;
  }
}
