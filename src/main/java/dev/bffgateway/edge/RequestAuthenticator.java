package dev.bffgateway.edge;

import dev.bffgateway.auth.Refresher;
import dev.bffgateway.auth.Revocations;
import dev.bffgateway.auth.SessionUsers;

import dev.bffgateway.token.TokenRejection;
import dev.bffgateway.token.VerifiedToken;
import dev.bffgateway.token.VerifiedTokenCache;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the user of a proxied request, as ServiceStack does on {@code [Authenticate]} requests: the
 * {@code Authorization: Bearer} token first, else the access-token cookie; else the server session of the
 * {@code ss-id} cookie, with an access token minted for it on the server; else, when the refresh cookie is
 * valid, it refreshes transparently. Requests of one event loop carrying the same refresh token (or session)
 * share one refresh (single flight), so a page firing twenty requests at once rotates once; across event loops
 * and instances the store's GRACE outcome covers the rest. One per event loop.
 */
public final class RequestAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(RequestAuthenticator.class);

  /**
   * Who the request is for.
   *
   * @param user      null for an anonymous request
   * @param token     the verified access token (the refreshed one after a refresh)
   * @param viaCookie whether the browser's cookies authenticated it, which makes it subject to CSRF checks
   * @param cookies   Set-Cookie for the response: new tokens after a refresh, expired ones after a refused refresh
   * @param familyId  the refresh family of the server session that authenticated it, else null
   */
  public record Authenticated(VerifiedToken user, String token, boolean viaCookie, List<Cookie> cookies, String familyId) {
    static final Authenticated ANONYMOUS = new Authenticated(null, null, false, List.of(), null);

    /** Adds the Set-Cookie headers a refresh produced, as headers, so proxied responses see them too. */
    public void applyCookies(io.vertx.core.http.HttpServerResponse response) {
      cookies.forEach(cookie -> response.headers().add(HttpHeaders.SET_COOKIE, cookie.encode()));
    }
  }

  private final VerifiedTokenCache verified;
  private final Revocations revocations;
  private final Refresher refresher;
  private final GatewayCookies cookies;
  private final long accessTokenTtlSeconds;
  private final Clock clock;
  private final Map<String, Future<Refresher.Refreshed>> refreshing = new HashMap<>();
  private final SessionUsers sessionUsers;

  public RequestAuthenticator(VerifiedTokenCache verified, Revocations revocations, Refresher refresher, SessionUsers sessionUsers,
                              GatewayCookies cookies, long accessTokenTtlSeconds, Clock clock) {
    this.verified = verified;
    this.revocations = revocations;
    this.refresher = refresher;
    this.sessionUsers = sessionUsers;
    this.cookies = cookies;
    this.accessTokenTtlSeconds = accessTokenTtlSeconds;
    this.clock = clock;
  }

  /** The token of an {@code Authorization: Bearer} header, or null when there is none (or it is empty). */
  static String bearerToken(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** Fails only when a refresh was needed and the store or the credential verifier could not answer. */
  public Future<Authenticated> authenticate(HttpServerRequest request) {
    String bearer = bearerToken(request);
    Authenticated presented = bearer == null ? null : verify(bearer, false);
    if (presented == null) {
      String cookie = GatewayCookies.read(request, cookies.accessTokenName());
      presented = cookie == null ? null : verify(cookie, true);
    }
    if (presented == null) {
      return sessionOrRefresh(request);
    }
    Authenticated valid = presented;
    return revocations.stillValid(valid.user()).compose(still -> still ? Future.succeededFuture(valid) : sessionOrRefresh(request));
  }

  /** A session cookie decides alone: a session that is gone makes the request anonymous and clears the cookie. */
  private Future<Authenticated> sessionOrRefresh(HttpServerRequest request) {
    String sessionId = GatewayCookies.read(request, cookies.sessionName());
    if (sessionId == null) {
      return refreshOrAnonymous(request);
    }
    return sessionUsers.find(sessionId).map(user -> user == null
      ? new Authenticated(null, null, true, List.of(cookies.expired(cookies.sessionName(), request)), null)
      : new Authenticated(user.user(), user.token(), true, List.of(), user.familyId()));
  }

  private Future<Authenticated> refreshOrAnonymous(HttpServerRequest request) {
    String refreshToken = GatewayCookies.read(request, cookies.refreshTokenName());
    return refreshToken == null ? Future.succeededFuture(Authenticated.ANONYMOUS) : refresh(refreshToken, request);
  }

  private Authenticated verify(String token, boolean viaCookie) {
    try {
      return new Authenticated(verified.verify(token), token, viaCookie, List.of(), null);
    } catch (TokenRejection rejection) {
      LOG.debug("access token rejected: {}", rejection.reason());
      return null;
    }
  }

  private Future<Authenticated> refresh(String refreshToken, HttpServerRequest request) {
    Future<Refresher.Refreshed> shared = refreshing.get(refreshToken);
    if (shared == null) {
      shared = refresher.refresh(refreshToken);
      if (!shared.isComplete()) {
        refreshing.put(refreshToken, shared);
        shared.onComplete(done -> refreshing.remove(refreshToken));
      }
    }
    return shared.map(refreshed -> {
      if (refreshed == null) {
        // Refused: stop the browser sending cookies that can no longer work.
        return new Authenticated(null, null, true, cookies.clearedTokens(request), null);
      }
      String token = refreshed.access().token();
      List<Cookie> set = new ArrayList<>(2);
      set.add(cookies.accessToken(token, accessTokenTtlSeconds, request));
      if (refreshed.rotation().newToken() != null) {
        set.add(successor(refreshed.rotation(), request));
      }
      return new Authenticated(verified.verifyOwn(token), token, true, set, null);
    });
  }

  /** The Set-Cookie that hands a rotated family's new refresh token to the browser. */
  public Cookie successor(dev.bffgateway.store.Rotation rotation, HttpServerRequest request) {
    long seconds = Math.max(0, (rotation.record().expiresAt() - clock.millis()) / 1000);
    return cookies.refreshToken(rotation.newToken(), seconds, request);
  }
}
