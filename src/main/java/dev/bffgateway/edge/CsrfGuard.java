package dev.bffgateway.edge;

import dev.bffgateway.config.CsrfConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Refuses cross-site requests that ride on the browser's cookies, by the Fetch-metadata/Origin rule of Go 1.25's
 * {@code net/http.CrossOriginProtection}: {@code Sec-Fetch-Site: same-origin} or {@code none} passes; another
 * site passes only from a trusted origin; without {@code Sec-Fetch-Site} (older browsers, non-browsers), a
 * missing Origin or one whose host is the request's host passes. Safe methods pass, except WebSocket
 * upgrades, which browsers do not protect. Callers apply it only to cookie-authenticated requests.
 */
public final class CsrfGuard {
  private final CsrfConfig config;

  public CsrfGuard(CsrfConfig config) {
    this.config = config;
  }

  /** Null when the request may go on, else why not (for the log; the client gets a plain 403). */
  public String refusal(HttpServerRequest request) {
    HttpMethod method = request.method();
    boolean safe = method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
    return refusal(request, !safe || request.canUpgradeToWebSocket());
  }

  /** @param actsOnState whether to check at all: for unsafe methods, and for safe ones that still change state */
  public String refusal(HttpServerRequest request, boolean actsOnState) {
    if (!actsOnState) {
      return null;
    }
    if (config.requireHeaderName() != null && !config.requireHeaderValue().equals(request.getHeader(config.requireHeaderName()))) {
      return "missing " + config.requireHeaderName() + " header";
    }
    String origin = request.getHeader("origin");
    String site = request.getHeader("sec-fetch-site");
    if (site != null) {
      if (site.equals("same-origin") || site.equals("none")) {
        return null;
      }
      return origin != null && config.trustedOrigins().contains(origin) ? null : "cross-origin request from " + site + " " + origin;
    }
    if (origin == null || config.trustedOrigins().contains(origin) || sameHost(origin, request.authority())) {
      return null;
    }
    return "Origin " + origin + " is not this host";
  }

  private static boolean sameHost(String origin, HostAndPort authority) {
    if (authority == null) {
      return false;
    }
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null) {
        return false;
      }
      int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      int requestPort = authority.port() != -1 ? authority.port() : port;
      return uri.getHost().equalsIgnoreCase(authority.host()) && port == requestPort;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
