package dev.bffgateway.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Refresh-token families, rotated on every use (RFC 9700 §4.14): each refresh presents the family's current
 * token and gets its successor; a token presented again shortly after its rotation is a concurrent refresh
 * (GRACE), later it is a replay and the whole family is revoked (REUSED). Only tokens' SHA-256 are stored.
 * Fails as {@link Store} says.
 */
public interface FamilyStore {

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

  /** The family a token belongs to (current or already rotated), or null for an unknown token. */
  Future<FamilyRef> familyOf(String token);

  /**
   * A server session's use of its family, which it holds instead of a refresh token: marks the family used now
   * and returns what it stands for ({@code expiresAt} is the family's end), or null when it is revoked, expired
   * or unknown.
   */
  Future<RefreshRecord> useFamily(String familyId);

  /** The subject's families that can still refresh, oldest first. */
  Future<List<FamilyInfo>> families(String subject);
}
