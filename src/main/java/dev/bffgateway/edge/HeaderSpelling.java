package dev.bffgateway.edge;

import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Header names of the gateway's own responses as a ServiceStack server spells them over HTTP/1.x
 * ({@code Content-Type}, {@code Set-Cookie}, {@code WWW-Authenticate}...). Names are case-insensitive, but some
 * ServiceStack clients read {@code responseStatus} only under {@code Content-Type} exactly, and clients written
 * for ServiceStack must work unchanged. HTTP/2 names stay lower case, as that protocol requires (Vert.x lower-cases
 * them anyway). Responses relayed from an upstream keep the upstream's spelling: this is applied only where the
 * gateway writes the response itself.
 */
final class HeaderSpelling {
  private static final String SET_COOKIE = "Set-Cookie";
  private static final List<String> NAMES = List.of("Content-Type", "Content-Length", SET_COOKIE, "WWW-Authenticate", "X-Cookies",
    "Cache-Control", "Pragma", "Retry-After", "Location", "X-Content-Type-Options", "Allow");

  private HeaderSpelling() {
  }

  /** Spells the response's header names as ServiceStack does, when they are written. */
  static void serviceStack(RoutingContext ctx) {
    if (ctx.request().version() != HttpVersion.HTTP_2) {
      ctx.addHeadersEndHandler(written -> respell(ctx.request(), ctx.response()));
    }
  }

  private static void respell(HttpServerRequest request, HttpServerResponse response) {
    MultiMap headers = response.headers();
    for (String name : NAMES) {
      List<String> values = headers.getAll(name);
      if (!values.isEmpty()) {
        headers.set(name, values);
      }
    }
    // Vert.x writes the cookies it was given as "set-cookie" after this point, so the gateway writes them itself.
    // A cookie with a path was added to this response: the request's Cookie header never carries one.
    for (Cookie cookie : new ArrayList<>(request.cookies())) {
      if (cookie.getPath() != null) {
        response.removeCookie(cookie.getName(), cookie.getDomain(), cookie.getPath(), false);
        headers.add(SET_COOKIE, cookie.encode());
      }
    }
  }
}
