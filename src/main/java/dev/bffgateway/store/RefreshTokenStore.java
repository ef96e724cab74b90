package dev.bffgateway.store;

/**
 * A backend (memory, SQLite or Redis) serves every concern of the {@link Store} on one database, so that they are
 * all exactly as durable and as shared between instances. Only {@link Stores} and the contract tests see it whole.
 */
interface RefreshTokenStore extends FamilyStore, SubjectRevocationStore, ProviderGrantStore, SignInAttemptStore,
  SessionStoreFactory, StoreLifecycle {
}
