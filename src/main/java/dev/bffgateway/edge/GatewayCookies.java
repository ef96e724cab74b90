package dev.bffgateway.edge;

import dev.bffgateway.config.CookiesConfig;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Writes the gateway's cookies with the configured attributes (always HttpOnly, {@code Path=/}) and reads them
 * leniently: junk pairs are skipped, an empty value counts as absent, and a cookie sent twice is used not at
 * all, since picking one of two would let a planted cookie win.
 */
public final class GatewayCookies {
  private final CookiesConfig config;
  private final CookieSameSite sameSite;

  public GatewayCookies(CookiesConfig config) {
    this.config = config;
    this.sameSite = config.sameSite().equals("Strict") ? CookieSameSite.STRICT : CookieSameSite.LAX;
  }

  public String accessTokenName() {
    return config.accessToken();
  }

  public String refreshTokenName() {
    return config.refreshToken();
  }

  public String sessionName() {
    return config.session();
  }

  /** The names of the three cookies the gateway owns, as configured. */
  public List<String> names() {
    return List.of(accessTokenName(), refreshTokenName(), sessionName());
  }

  public boolean refreshTokenInCookie() {
    return config.refreshTokenCookie();
  }

  public Cookie accessToken(String token, long maxAgeSeconds, HttpServerRequest request) {
    return cookie(config.accessToken(), token, maxAgeSeconds, request);
  }

  public Cookie refreshToken(String token, long maxAgeSeconds, HttpServerRequest request) {
    return cookie(config.refreshToken(), token, maxAgeSeconds, request);
  }

  public Cookie session(String id, long maxAgeSeconds, HttpServerRequest request) {
    return cookie(config.session(), id, maxAgeSeconds, request);
  }

  /** A short-lived cookie of the gateway's own, with the configured attributes. */
  public Cookie cookie(String name, String value, long maxAgeSeconds, String path, HttpServerRequest request) {
    return cookie(name, value, maxAgeSeconds, request).setPath(path);
  }

  /** An expired, empty copy of one of the gateway's cookies, which makes the browser drop it. */
  public Cookie expired(String name, HttpServerRequest request) {
    return cookie(name, "", 0, request);
  }

  /** Expired copies of both token cookies: what a refused refresh sends. A session is not the refresh's to end. */
  public List<Cookie> clearedTokens(HttpServerRequest request) {
    return List.of(expired(config.accessToken(), request), expired(config.refreshToken(), request));
  }

  /** Expired copies of all three cookies: what logout sends. */
  public List<Cookie> cleared(HttpServerRequest request) {
    return List.of(expired(config.accessToken(), request), expired(config.refreshToken(), request), expired(config.session(), request));
  }

  private Cookie cookie(String name, String value, long maxAgeSeconds, HttpServerRequest request) {
    Cookie cookie = Cookie.cookie(name, value)
      .setPath("/")
      .setHttpOnly(true)
      .setSecure(secure(request))
      .setSameSite(sameSite)
      .setMaxAge(maxAgeSeconds);
    if (config.domain() != null) {
      cookie.setDomain(config.domain());
    }
    return cookie;
  }

  /** "auto" drops Secure only for plain-http requests from this machine: local development, nothing else. */
  private boolean secure(HttpServerRequest request) {
    return config.secure() == CookiesConfig.Secure.ALWAYS || request.isSSL() || !fromLoopback(request.remoteAddress());
  }

  /** Whether a client connected from this machine. */
  public static boolean fromLoopback(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The value of the named cookie, or null when it is absent, empty or sent more than once. */
  public static String read(HttpServerRequest request, String name) {
    String found = null;
    for (String header : request.headers().getAll("cookie")) {
      CookiePairs pairs = new CookiePairs(header);
      while (pairs.next()) {
        if (pairs.junk() || !pairs.nameIs(name)) {
          continue;
        }
        if (found != null) {
          return null;
        }
        found = pairs.value();
      }
    }
    return found == null || found.isEmpty() ? null : found;
  }
}
