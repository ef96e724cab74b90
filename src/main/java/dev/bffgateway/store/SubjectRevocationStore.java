package dev.bffgateway.store;

import io.vertx.core.Future;

/** Log out everywhere, and since when a subject's access tokens are invalid. Fails as {@link Store} says. */
public interface SubjectRevocationStore {

  /**
   * Log out everywhere: revokes every family of the subject and records that access tokens the subject was
   * issued until now are invalid (ServiceStack's InvalidateTokensIssuedBefore), so that they stop working
   * within seconds rather than at their expiry.
   */
  Future<Void> revokeSubject(String subject);

  /** Epoch milliseconds before which the subject's access tokens are invalid; 0 when never revoked. */
  Future<Long> revokedBefore(String subject);
}
