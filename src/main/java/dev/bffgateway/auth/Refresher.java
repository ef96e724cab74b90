package dev.bffgateway.auth;

import dev.bffgateway.credentials.CredentialVerifier;
import dev.bffgateway.credentials.UserAccount;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.RefreshRecord;
import dev.bffgateway.store.Rotation;
import dev.bffgateway.token.AccessTokenIssuer;
import io.vertx.core.Future;

/**
 * Trades a refresh token for a new access token: rotates it through the store, re-reads the user (a disabled
 * or deleted user's family ends here; changed roles reach the new token), and mints the access token. Used by
 * the GetAccessToken endpoint and by the transparent refresh on proxied routes.
 */
public final class Refresher {
  /**
   * A successful refresh.
   *
   * @param rotation ROTATED (with the successor refresh token), KEPT or GRACE (without)
   */
  public record Refreshed(Rotation rotation, UserAccount account, AccessTokenIssuer.Issued access) {
  }

  /**
   * A fault after the token was already rotated. The old token is spent, so the caller must still hand the
   * successor to the browser, or its next refresh would look like reuse and end the session.
   */
  public static final class FailedAfterRotation extends RuntimeException {
    private final Rotation rotation;

    FailedAfterRotation(Rotation rotation, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.rotation = rotation;
    }

    public Rotation rotation() {
      return rotation;
    }
  }

  /** In a family's user snapshot: the OpenID Connect provider the user signed in with. */
  public static final String PROVIDER = "provider";

  private final FamilyStore store;
  private final CredentialVerifier credentials;
  private final AccessTokenIssuer issuer;
  private final Metrics metrics;

  public Refresher(FamilyStore store, CredentialVerifier credentials, AccessTokenIssuer issuer, Metrics metrics) {
    this.store = store;
    this.credentials = credentials;
    this.issuer = issuer;
    this.metrics = metrics;
  }

  /** Completes with null when the token is refused (expired, revoked, reused, unknown, or its user is gone). */
  public Future<Refreshed> refresh(String refreshToken) {
    return refresh(refreshToken, true);
  }

  /**
   * @param rotate false for a client that keeps its refresh token (a ServiceStack service client): a current
   *               token stays current (KEPT) instead of being replaced by a successor
   */
  public Future<Refreshed> refresh(String refreshToken, boolean rotate) {
    return (rotate ? store.rotate(refreshToken) : store.keep(refreshToken))
      .onComplete(rotated -> metrics.refresh(rotated.succeeded() ? rotated.result().outcome().name() : "unavailable"))
      .compose(rotation -> {
        if (!rotation.outcome().refreshes()) {
          return Future.succeededFuture(null);
        }
        Future<Refreshed> completed = mint(rotation.record())
          .map(minted -> minted == null ? null : new Refreshed(rotation, minted.account(), minted.access()));
        return rotation.newToken() == null ? completed
          : completed.recover(failure -> Future.failedFuture(new FailedAfterRotation(rotation, failure)));
      });
  }

  /** An access token for a live family's user. */
  public record Minted(UserAccount account, AccessTokenIssuer.Issued access) {
  }

  /**
   * Mints an access token for the user of a live family as the user is now; completes with null, and revokes
   * the family, when the user is gone or disabled.
   */
  public Future<Minted> mint(RefreshRecord family) {
    UserAccount snapshot = UserAccount.fromSnapshot(family.user());
    // A provider's user is not in the users file: the provider's word at sign-in stands for the family's life.
    Future<java.util.Optional<UserAccount>> current = family.user().containsKey(PROVIDER)
      ? Future.succeededFuture(java.util.Optional.of(snapshot)) : credentials.lookup(snapshot);
    return current.compose(found -> found.isEmpty()
      ? store.revokeFamily(family.familyId()).map(revoked -> (Minted) null)
      : Future.succeededFuture(new Minted(found.get(), issuer.issue(found.get().identity(), family.familyId()))));
  }
}
