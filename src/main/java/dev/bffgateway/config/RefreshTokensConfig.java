package dev.bffgateway.config;

/**
 * Refresh-token lifetimes: each token lives {@code ttlSeconds} after it was issued (sliding, since every refresh
 * issues a new one or extends the one kept), but never past {@code maxLifetimeSeconds} after its family began at
 * sign-in. A token presented again within {@code graceSeconds} of its rotation is a concurrent refresh, not a theft.
 */
public record RefreshTokensConfig(long ttlSeconds, long maxLifetimeSeconds, int graceSeconds, Rotate rotate) {
  /** Which refresh tokens are rotated on use. */
  public enum Rotate {
    /**
     * Only the {@code ss-reftok} cookie, whose successor the browser stores by itself. A token sent in a request
     * body is kept, as ServiceStack's own refresh tokens are: its service clients never take a successor.
     */
    COOKIES,
    /** Body tokens too: the successor comes back as {@code refreshToken}, and the client must keep it. */
    ALWAYS
  }
}
