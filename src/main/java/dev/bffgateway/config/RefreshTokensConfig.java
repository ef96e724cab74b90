package dev.bffgateway.config;

/**
 * Refresh-token lifetimes: each token lives {@code ttlSeconds} after it was issued (sliding, since every refresh
 * issues a new one), but never past {@code maxLifetimeSeconds} after its family began at sign-in. A token
 * presented again within {@code graceSeconds} of its rotation is a concurrent refresh, not a theft.
 */
public record RefreshTokensConfig(long ttlSeconds, long maxLifetimeSeconds, int graceSeconds) {
}
