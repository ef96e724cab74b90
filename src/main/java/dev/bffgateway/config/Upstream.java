package dev.bffgateway.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a route's requests go.
 *
 * @param basePath path prefix prepended to every forwarded path; empty for the upstream's root
 */
public record Upstream(boolean tls, String host, int port, String basePath) {

  /**
   * Parses an absolute http(s) URL with a host, a port from 1 to 65535 if any, and no query, fragment or
   * credentials; null with a reason otherwise. Everything is checked here, since a URL that passes is used as it
   * is for every request.
   */
  static Upstream parse(String url, java.util.function.Consumer<String> error) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      error.accept('"' + url + "\" is not an http(s) URL");
      return null;
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.isOpaque()) {
      error.accept('"' + url + "\" is not an http(s) URL");
      return null;
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      error.accept('"' + url + "\" must not have a query, fragment or credentials");
      return null;
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.startsWith(":")) {
      error.accept('"' + url + "\" has no host");
      return null;
    }
    // java.net.URI falls back to a "registry" authority, without a host, when the host or port is malformed.
    if (uri.getHost() == null) {
      error.accept('"' + url + "\" has an invalid host or port (a host name or IP address, and a port from 1 to 65535)");
      return null;
    }
    if (uri.getPort() == 0 || uri.getPort() > 65_535) {
      error.accept('"' + url + "\" has port " + uri.getPort() + ", out of range (1 to 65535)");
      return null;
    }
    boolean tls = scheme.equalsIgnoreCase("https");
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Upstream(tls, host, port, path);
  }

  @Override
  public String toString() {
    String shownHost = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "https" : "http") + "://" + shownHost + ":" + port + basePath;
  }
}
