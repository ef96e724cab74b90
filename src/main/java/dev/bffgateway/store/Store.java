package dev.bffgateway.store;

import dev.bffgateway.ops.Metrics;

/**
 * The gateway's state, one interface per concern, so that each caller depends only on what it uses; one backend
 * serves them all.
 *
 * <p>Every operation fails with {@link StoreUnavailableException} when the backend cannot be reached or is
 * busy: never a silent logout, never a revocation because of a fault.
 */
public record Store(FamilyStore families, SubjectRevocationStore subjectRevocations, ProviderGrantStore providerGrants,
                    SignInAttemptStore signInAttempts, SessionStoreFactory sessions, StoreLifecycle lifecycle) {

  static Store of(RefreshTokenStore backend) {
    return new Store(backend, backend, backend, backend, backend, backend);
  }

  /** The same store, with the latency of each operation recorded. */
  public Store measured(Metrics metrics) {
    return of(new MeasuredRefreshTokenStore(this, metrics));
  }
}
