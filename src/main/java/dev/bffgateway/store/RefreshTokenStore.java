package dev.bffgateway.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

/**
 * Refresh-token families, rotated on every use (RFC 9700 §4.14): each refresh presents the family's current
 * token and gets its successor; a token presented again shortly after its rotation is a concurrent refresh
 * (GRACE), later it is a replay and the whole family is revoked (REUSED). Only tokens' SHA-256 are stored.
 * Also the sign-in throttling counters, so that throttling holds across instances.
 *
 * <p>Every operation fails with {@link StoreUnavailableException} when the backend cannot be reached or is
 * busy: never a silent logout, never a revocation because of a fault.
 */
public interface RefreshTokenStore {

  /**
   * Issues a new token, starting a family when {@code familyId} is null (a sign-in) or continuing the given one.
   *
   * @param user   what the access tokens of this family are minted from, as of now
   * @param client a short description of the device ("Firefox on Linux"), for the "your devices" list
   */
  Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client);

  /** Atomically: of several concurrent rotations of one token, exactly one is ROTATED and the others GRACE. */
  Future<Rotation> rotate(String token);

  /**
   * Like {@link #rotate} but without a successor, for a client that keeps one refresh token (as ServiceStack's
   * service clients do): the family's current token stays current, its expiry slid forward (KEPT); a token
   * already rotated is GRACE or REUSED exactly as in {@link #rotate}.
   */
  Future<Rotation> keep(String token);

  Future<Void> revokeFamily(String familyId);

  /** Logout: revokes the family the token belongs to, whether it is the current token or an older one. */
  Future<Void> revokeFamilyOf(String token);

  /**
   * Log out everywhere: revokes every family of the subject and records that access tokens the subject was
   * issued until now are invalid (ServiceStack's InvalidateTokensIssuedBefore), so that they stop working
   * within seconds rather than at their expiry.
   */
  Future<Void> revokeSubject(String subject);

  /** Epoch milliseconds before which the subject's access tokens are invalid; 0 when never revoked. */
  Future<Long> revokedBefore(String subject);

  /** The family a token belongs to (current or already rotated), or null for an unknown token. */
  Future<FamilyRef> familyOf(String token);

  /**
   * A server session's use of its family, which it holds instead of a refresh token: marks the family used now
   * and returns what it stands for ({@code expiresAt} is the family's end), or null when it is revoked, expired
   * or unknown.
   */
  Future<RefreshRecord> useFamily(String familyId);

  /**
   * Keeps what an OpenID provider issued for the family's sign-in (its access, refresh and ID tokens) with the
   * family, replacing what was kept before. Revoking or purging the family deletes it. False when the family
   * is no longer live, and nothing is kept.
   *
   * @param providerSession the provider's session ({@code {provider}|{sid}}) the family was signed in with,
   *                        or null; a back-channel logout naming that session ends the family
   */
  Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant);

  /** What {@link #putProviderGrant} kept for a live family, or null. */
  Future<JsonObject> providerGrant(String familyId);

  /** The live families signed in with this provider session ({@code {provider}|{sid}}). */
  Future<List<String>> familiesOfProviderSession(String providerSession);

  /** The subject's families that can still refresh, oldest first. */
  Future<List<FamilyInfo>> families(String subject);

  /** Removes what has expired; returns how many tokens and families went. */
  Future<Integer> purgeExpired();

  /**
   * Sign-in throttling, counted before the password is checked so that concurrent attempts cannot outrun it:
   * atomically counts one attempt under {@code counter} of {@code owner} and returns that counter's count, this
   * attempt included. All of an owner's counters restart together once {@code window} has passed since the first
   * attempt of the owner's window, so that an owner's counts are one record that {@link #clearAttempts} removes.
   */
  Future<Integer> takeAttempt(String owner, String counter, Duration window);

  /** Takes back one attempt that did not fail (it succeeded, or was refused unchecked); never below zero. */
  Future<Void> giveBackAttempt(String owner, String counter);

  /** Forgets every counter of the owner: an unlock. */
  Future<Void> clearAttempts(String owner);

  /**
   * Server sessions on the same backend, so that they are exactly as durable and as shared between instances
   * as the refresh tokens. Closed with this store.
   */
  SessionStore sessionStore(Vertx vertx);

  /** Succeeds when the backend answers: the readiness check. */
  Future<Void> ping();

  Future<Void> close();
}
