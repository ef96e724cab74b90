package dev.bffgateway.edge;

import dev.bffgateway.config.AuthMode;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.token.VerifiedToken;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The header rules of one route, applied while copying, in one pass each way, never to a copy of a copy.
 * <p>Toward the upstream: connection-level headers stay on their own hop (RFC 9110 §7.6.1: the fixed hop-by-hop
 * set and every header that {@code Connection} names), the upstream gets its own {@code Host}, and the gateway
 * is the edge, so whatever the client claimed in {@code Forwarded}/{@code X-Forwarded-*}/{@code X-Real-IP} is
 * dropped and replaced by what the gateway saw (behind a trusted proxy, {@code X-Forwarded-For} holds the part of the
 * proxy's chain the gateway vouches for, see {@link ClientAddresses}), as are the identity headers only the gateway sets; the request's id
 * goes along. {@code Expect: 100-continue} is answered by the gateway ({@link UpstreamRequest}), so it stays on its hop.
 * <p>Toward the client: the same hop-by-hop rule, exactly one request id (the gateway's), no upstream CORS
 * headers when the gateway answers CORS itself, and {@code Cache-Control: no-store} (without {@code Expires})
 * when the gateway sets cookies on the response, whatever the upstream said about its own content. HttpProxy adds
 * the Date an upstream left out (RFC 9110 §6.6.1).
 */
final class UpstreamHeaders {
  static final String FORWARDED_FOR = "x-forwarded-for";
  static final String FORWARDED_PROTO = "x-forwarded-proto";
  static final String FORWARDED_HOST = "x-forwarded-host";
  static final String FORWARDED_PREFIX = "x-forwarded-prefix";

  /** Never copied toward the upstream; names compare case-insensitively, as in any MultiMap. */
  private static final MultiMap NOT_FORWARDED = names("connection", "keep-alive", "proxy-connection",
    "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "expect",
    "forwarded", FORWARDED_FOR, FORWARDED_PROTO, FORWARDED_HOST, FORWARDED_PREFIX, "x-forwarded-port",
    "x-forwarded-server", "x-real-ip", RequestIds.HEADER,
    UpstreamIdentity.USER_ID, UpstreamIdentity.USER_NAME, UpstreamIdentity.USER_ROLES);
  /** Never copied toward the client. Content-Length stays: the body is relayed as it is. */
  private static final MultiMap NOT_RETURNED = names("connection", "keep-alive", "proxy-connection",
    "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", RequestIds.HEADER);

  private final String prefix;
  private final boolean corsByGateway;
  /** On routes with auth, the gateway decides the Authorization the upstream gets; auth: none leaves the client's. */
  private final boolean authorizationByGateway;
  private final UpstreamIdentity identity;

  UpstreamHeaders(RouteConfig route, boolean corsByGateway, UpstreamIdentity identity) {
    this.prefix = route.stripPrefix() && !route.path().equals("/") ? route.path() : null;
    this.corsByGateway = corsByGateway;
    this.authorizationByGateway = route.auth() != AuthMode.NONE;
    this.identity = identity;
  }

  /**
   * Copies the client's request headers to the upstream request, then adds the gateway's own and the caller's
   * identity.
   *
   * @param user         the caller, or null for an anonymous request
   * @param token        the token the upstream gets as {@code Authorization: Bearer}, or null
   * @param forwardedFor the client and the trusted proxies it came through ({@link ClientAddresses}), or null
   */
  void toUpstream(HttpServerRequest incoming, MultiMap out, VerifiedToken user, String token, String forwardedFor) {
    MultiMap in = incoming.headers();
    MultiMap named = namedByConnection(in);
    boolean cookiesCopied = false;
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (NOT_FORWARDED.contains(name) || (named != null && named.contains(name))
        || (authorizationByGateway && name.equalsIgnoreCase("authorization")) || spellsGatewayHeader(name)) {
        continue;
      }
      if (name.equalsIgnoreCase("cookie")) {
        String cookies = cookiesCopied ? null : identity.cookiesFor(in.getAll(HttpHeaders.COOKIE));
        cookiesCopied = true;
        if (cookies != null) {
          out.add(name, cookies);
        }
        continue;
      }
      out.add(name, header.getValue());
    }
    identity.addTo(out, user, token);
    if (forwardedFor != null) {
      out.set(FORWARDED_FOR, forwardedFor);
    }
    // From the connection, never from what the client said (an h2c :scheme can say anything).
    out.set(FORWARDED_PROTO, incoming.isSSL() ? "https" : "http");
    HostAndPort authority = incoming.authority();
    if (authority != null) {
      out.set(FORWARDED_HOST, authority.toString());
    }
    if (prefix != null) {
      out.set(FORWARDED_PREFIX, prefix);
    }
    out.set(RequestIds.HEADER, RequestIds.of(incoming));
  }

  /**
   * CGI, WSGI and Rack read {@code X_User_Roles} and {@code X-User-Roles} alike, as {@code HTTP_X_USER_ROLES}
   * (RFC 3875 §4.1.18), so a client's header that spells a gateway-owned one with underscores is dropped too.
   */
  private static boolean spellsGatewayHeader(String name) {
    return name.indexOf('_') >= 0 && NOT_FORWARDED.contains(name.replace('_', '-'));
  }

  /**
   * Removes from the upstream's response headers (HttpProxy's copy, which it then sends) what must not reach the
   * client; most responses lose one or two, so nothing is copied.
   *
   * @param out       the client's response headers so far: the gateway's own, its cookies among them
   * @param websocket a 101 toward a WebSocket keeps its Connection and Upgrade
   */
  void toClient(MultiMap in, MultiMap out, boolean websocket) {
    boolean noStore = out.contains(HttpHeaders.SET_COOKIE);
    MultiMap named = websocket ? null : namedByConnection(in);
    List<String> dropped = null;
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if ((NOT_RETURNED.contains(name) && !(websocket && isUpgradeHeader(name))) || (named != null && named.contains(name))
        || (corsByGateway && name.regionMatches(true, 0, "access-control-", 0, 15))
        || (noStore && (name.equalsIgnoreCase("expires") || name.equalsIgnoreCase("cache-control")))) {
        if (dropped == null) {
          dropped = new ArrayList<>(2);
        }
        dropped.add(name);
      }
    }
    if (dropped != null) {
      dropped.forEach(in::remove);
    }
    if (noStore) {
      in.set(HttpHeaders.CACHE_CONTROL, "no-store");
    }
  }

  private static boolean isUpgradeHeader(String name) {
    return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("upgrade");
  }

  /** The headers a {@code Connection} header names, or null when there are none beyond the fixed set (no map built). */
  private static MultiMap namedByConnection(MultiMap headers) {
    String first = headers.get(HttpHeaders.CONNECTION);
    if (first == null) {
      return null;
    }
    // What nearly every upstream sends: it names no header beyond the ones never relayed anyway.
    if ((first.equalsIgnoreCase("keep-alive") || first.equalsIgnoreCase("close"))
      && headers.getAll(HttpHeaders.CONNECTION).size() == 1) {
      return null;
    }
    MultiMap named = MultiMap.caseInsensitiveMultiMap();
    for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : value.split(",")) {
        String name = token.trim();
        if (!name.isEmpty()) {
          named.add(name, "");
        }
      }
    }
    return named;
  }

  private static MultiMap names(String... names) {
    MultiMap set = MultiMap.caseInsensitiveMultiMap();
    for (String name : names) {
      set.add(name, "");
    }
    return set;
  }
}
