package dev.bffgateway.auth;

import dev.bffgateway.store.ProviderGrantStore;
import dev.bffgateway.store.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenID providers' grants of signed-in users, for the routes that relay the provider's access token
 * ({@code "upstreamToken": "idp"}). Shared by every event loop of a gateway: a grant is read from the store once
 * and cached, and an access token about to expire is refreshed at the provider by exactly one call however many
 * requests need it at once, so a single-use refresh token is never spent twice by this instance. Before that call
 * the store is read again, so a grant another instance refreshed is used instead of refreshed a second time.
 */
public final class ProviderGrants {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderGrants.class);
  /** Refreshed this long before it expires, so a relayed token does not expire on its way to the upstream. */
  static final long EXPIRY_MARGIN_MILLIS = 30_000;
  private static final int MAX_CACHED = 10_000;

  /** The user has no provider token to relay (a local user, or the provider ended the grant): a 401. */
  public static final class NoProviderToken extends RuntimeException {
    NoProviderToken(String message) {
      super(message, null, false, false);
    }
  }

  /** The provider could not be reached to refresh the token: a 502. */
  public static final class ProviderUnavailable extends RuntimeException {
    ProviderUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  private final ProviderGrantStore store;
  private final Clock clock;
  private final Map<String, ProviderGrant> cached = new ConcurrentHashMap<>();
  private final Map<String, Future<ProviderGrant>> refreshing = new ConcurrentHashMap<>();
  /** The jti of each back-channel logout_token taken, until it would be too old anyway: epoch ms to forget it. */
  private final Map<String, Long> logoutTokensSeen = new ConcurrentHashMap<>();

  public ProviderGrants(ProviderGrantStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public long now() {
    return clock.millis();
  }

  /** At sign-in, before the family is handed out. */
  public Future<Void> keep(String familyId, ProviderGrant grant) {
    return store.putProviderGrant(familyId, grant.providerSession(), grant.toJson()).compose(kept -> kept
      ? Future.succeededFuture() : Future.failedFuture(new StoreUnavailableException("the new family ended before its provider grant was kept", null)));
  }

  /**
   * A session converted to tokens: the new family takes over the old one's grant, which is ending. Never shared
   * by two live families: a single-use refresh token can serve only one of them.
   */
  public Future<Void> move(String fromFamilyId, String toFamilyId) {
    return stored(fromFamilyId).compose(grant -> grant == null ? Future.succeededFuture() : keep(toFamilyId, grant))
      .onSuccess(moved -> cached.remove(fromFamilyId));
  }

  /** The family's grant as the store has it (for logout), or null. */
  public Future<ProviderGrant> stored(String familyId) {
    return store.providerGrant(familyId).map(json -> json == null ? null : ProviderGrant.fromJson(json));
  }

  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    return store.familiesOfProviderSession(providerSession);
  }

  /**
   * Back-channel logout tokens are used once (per instance): a replay within their five minutes of validity
   * could otherwise end sign-ins made after the logout it announced.
   */
  public boolean logoutTokenUsed(String provider, String jti) {
    return logoutTokensSeen.containsKey(provider + "|" + jti);
  }

  /**
   * Remembered once the logout is done, so that a provider retrying after a failure is not refused.
   *
   * @param keepUntil epoch milliseconds after which the token is refused as too old anyway
   */
  public void logoutTokenDone(String provider, String jti, long keepUntil) {
    long now = now();
    logoutTokensSeen.values().removeIf(until -> until < now);
    logoutTokensSeen.put(provider + "|" + jti, keepUntil);
  }

  /** The family ended: its cached tokens go at once. */
  public void forget(String familyId) {
    cached.remove(familyId);
  }

  /**
   * A provider access token of the family that is valid for a while yet, refreshed if need be; completes on the
   * caller's event loop.
   *
   * @param clients the caller's event loop's clients, one per provider
   */
  public Future<String> accessToken(String familyId, Map<String, OidcClient> clients) {
    ProviderGrant grant = cached.get(familyId);
    if (grant != null && !grant.expiresWithin(now(), EXPIRY_MARGIN_MILLIS)) {
      return Future.succeededFuture(grant.accessToken());
    }
    return onCallersContext(refreshing(familyId, clients)).map(ProviderGrant::accessToken);
  }

  /** One refresh per family at a time: every caller meanwhile gets the same future. */
  private Future<ProviderGrant> refreshing(String familyId, Map<String, OidcClient> clients) {
    Promise<ProviderGrant> mine = Promise.promise();
    Future<ProviderGrant> running = refreshing.putIfAbsent(familyId, mine.future());
    if (running != null) {
      return running;
    }
    stored(familyId)
      .compose(grant -> {
        if (grant == null || grant.accessToken() == null) {
          return Future.failedFuture(new NoProviderToken("No identity provider's token to relay for this sign-in"));
        }
        if (!grant.expiresWithin(now(), EXPIRY_MARGIN_MILLIS)) {
          return Future.succeededFuture(grant);
        }
        OidcClient client = clients.get(grant.provider());
        if (client == null || grant.refreshToken() == null) {
          return Future.failedFuture(new NoProviderToken("The identity provider's token expired and cannot be refreshed; sign in again"));
        }
        return client.refresh(grant.refreshToken())
          .recover(failure -> refreshFailed(familyId, grant, failure))
          .map(user -> ProviderGrant.of(grant.provider(), grant.providerSession(), user, grant, now(), true))
          .compose(next -> store.putProviderGrant(familyId, null, next.toJson()).compose(kept -> kept ? Future.succeededFuture(next)
            : Future.failedFuture(new NoProviderToken("The sign-in ended while its provider token was refreshed"))));
      })
      .onComplete(result -> {
        refreshing.remove(familyId, mine.future());
        if (result.succeeded()) {
          if (cached.size() >= MAX_CACHED) {
            cached.clear();
          }
          cached.put(familyId, result.result());
        } else {
          cached.remove(familyId);
        }
        mine.handle(result);
      });
    return mine.future();
  }

  /**
   * The provider could not be reached (try again later), or it refused: the grant is over, and its tokens are
   * dropped so that the next requests are refused without asking the provider again.
   */
  private <T> Future<T> refreshFailed(String familyId, ProviderGrant grant, Throwable failure) {
    if (failure instanceof IOException || failure.getCause() instanceof IOException) {
      LOG.warn("{}: refreshing a relayed token failed: {}", grant.provider(), failure.getMessage());
      return Future.failedFuture(new ProviderUnavailable("The identity provider " + grant.provider() + " is unavailable"));
    }
    LOG.info("{}: the provider refused to refresh a relayed token: {}", grant.provider(), failure.getMessage());
    return store.putProviderGrant(familyId, null, grant.withoutTokens().toJson())
      .transform(dropped -> Future.failedFuture(new NoProviderToken("The identity provider ended this sign-in; sign in again")));
  }

  /**
   * The shared future completes on whichever event loop started the refresh; each caller continues on its own,
   * where its request lives.
   */
  private static <T> Future<T> onCallersContext(Future<T> shared) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return shared;
    }
    Promise<T> here = Promise.promise();
    shared.onComplete(result -> caller.runOnContext(v -> here.handle(result)));
    return here.future();
  }
}
