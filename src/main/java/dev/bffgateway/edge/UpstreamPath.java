package dev.bffgateway.edge;

import dev.bffgateway.config.RouteConfig;

/**
 * Rewrites the request target for the upstream: the normalised path (never the raw one the route was not
 * matched on), without the route's prefix when {@code stripPrefix}, under the upstream's base path.
 */
final class UpstreamPath {
  private final String basePath;
  private final int strippedLength;

  UpstreamPath(RouteConfig route) {
    this.basePath = route.upstream().basePath();
    this.strippedLength = route.stripPrefix() && !route.path().equals("/") ? route.path().length() : 0;
  }

  String upstreamUri(String path, String query) {
    String target = basePath + path.substring(strippedLength);
    if (target.isEmpty()) {
      target = "/";
    }
    return query == null ? target : target + '?' + query;
  }
}
