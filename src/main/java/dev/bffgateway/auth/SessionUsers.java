package dev.bffgateway.auth;

import dev.bffgateway.session.Sessions;
import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.RefreshRecord;
import dev.bffgateway.token.VerifiedToken;
import dev.bffgateway.token.VerifiedTokenCache;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The users behind server sessions, for one event loop. The gateway keeps each session's access token here and
 * mints a new one when it nears expiry. A session and its refresh family are checked in the store at most
 * once every {@code tokens.revocationCheckSeconds}, so a logout or a revoked device takes effect within that
 * window everywhere, and a busy page costs a map lookup per request. Concurrent requests of one session share
 * one check (single flight). When the store cannot answer, a known session keeps working until its token
 * expires, as access tokens do.
 */
public final class SessionUsers {
  private static final Logger LOG = LoggerFactory.getLogger(SessionUsers.class);
  private static final int MAX_SESSIONS = 10_000;

  /** A session's user, the access token minted for it, and when its session and family were last checked. */
  public record SessionUser(VerifiedToken user, String token, String familyId, long checkedAt) {
  }

  private final Sessions sessions;
  private final FamilyStore store;
  private final Refresher refresher;
  private final VerifiedTokenCache verified;
  private final long recheckMillis;
  private final long renewBeforeMillis;
  private final Clock clock;
  private final Map<String, Future<SessionUser>> checking = new HashMap<>();
  private final Map<String, SessionUser> known = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, SessionUser> eldest) {
      return size() > MAX_SESSIONS;
    }
  };

  public SessionUsers(Sessions sessions, FamilyStore store, Refresher refresher, VerifiedTokenCache verified,
                      int revocationCheckSeconds, long accessTokenTtlSeconds, Clock clock) {
    this.sessions = sessions;
    this.store = store;
    this.refresher = refresher;
    this.verified = verified;
    this.recheckMillis = revocationCheckSeconds * 1000L;
    // Renew well before expiry, so that an upstream never receives a token about to lapse in flight.
    this.renewBeforeMillis = Math.min(60_000, accessTokenTtlSeconds * 1000 / 4);
    this.clock = clock;
  }

  /** The session's user with a usable access token, or null when the session is gone (then it is ended). */
  public Future<SessionUser> find(String sessionId) {
    long now = clock.millis();
    SessionUser cached = known.get(sessionId);
    if (cached != null && now - cached.checkedAt() < recheckMillis && fresh(cached, now)) {
      return Future.succeededFuture(cached);
    }
    Future<SessionUser> shared = checking.get(sessionId);
    if (shared == null) {
      shared = check(sessionId, cached, now);
      if (!shared.isComplete()) {
        checking.put(sessionId, shared);
        shared.onComplete(done -> checking.remove(sessionId));
      }
    }
    return shared;
  }

  /** Forgets a session ended on this event loop, so that it stops working here at once. */
  public void forget(String sessionId) {
    known.remove(sessionId);
  }

  private Future<SessionUser> check(String sessionId, SessionUser cached, long now) {
    return liveFamily(sessionId)
      .compose(family -> {
        if (family == null) {
          return Future.<SessionUser>succeededFuture();
        }
        if (cached != null && cached.familyId().equals(family.familyId()) && fresh(cached, now)) {
          return Future.succeededFuture(new SessionUser(cached.user(), cached.token(), family.familyId(), now));
        }
        return refresher.mint(family).compose(minted -> minted == null ? sessions.end(sessionId).map((SessionUser) null)
          : Future.succeededFuture(new SessionUser(verified.verifyOwn(minted.access().token()), minted.access().token(),
            family.familyId(), now)));
      })
      .map(user -> {
        if (user == null) {
          known.remove(sessionId);
        } else {
          known.put(sessionId, user);
        }
        return user;
      })
      .recover(failure -> {
        if (cached != null && fresh(cached, clock.millis())) {
          LOG.warn("session check unavailable, using the known session until its token expires: {}", failure.getMessage());
          return Future.succeededFuture(cached);
        }
        return Future.failedFuture(failure);
      });
  }

  /** The session's refresh family while both live; a session whose family ended is ended too. */
  public Future<RefreshRecord> liveFamily(String sessionId) {
    return sessions.find(sessionId).compose(held -> held == null ? Future.succeededFuture()
      : store.useFamily(held.familyId()).compose(family -> family != null ? Future.succeededFuture(family)
        : sessions.end(sessionId).map((RefreshRecord) null)));
  }

  private boolean fresh(SessionUser user, long nowMillis) {
    return user.user().expiresAt() * 1000 - nowMillis > renewBeforeMillis;
  }
}
