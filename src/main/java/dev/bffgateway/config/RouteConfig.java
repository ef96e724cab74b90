package dev.bffgateway.config;

import io.vertx.core.http.HttpMethod;

import java.util.Set;

/**
 * One proxied route.
 *
 * @param path      canonical path prefix, matched by whole segments
 * @param methods   allowed methods; empty allows every method
 * @param timeoutMs longest wait for the upstream's response to start, and longest silence while it streams
 * @param websocket whether WebSocket upgrades pass through
 */
public record RouteConfig(String id, String path, Upstream upstream, boolean stripPrefix, Set<HttpMethod> methods,
                          int timeoutMs, AuthMode auth, boolean websocket) {

  public boolean allows(HttpMethod method) {
    return methods.isEmpty() || methods.contains(method);
  }
}
