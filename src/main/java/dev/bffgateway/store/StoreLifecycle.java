package dev.bffgateway.store;

import io.vertx.core.Future;

/** What the gateway does with the store's backend as a whole. Fails as {@link Store} says. */
public interface StoreLifecycle {

  /** Removes what has expired; returns how many tokens and families went. */
  Future<Integer> purgeExpired();

  /** Succeeds when the backend answers: the readiness check. */
  Future<Void> ping();

  Future<Void> close();
}
