package dev.bffgateway.store;

import io.vertx.core.Vertx;
import io.vertx.ext.web.sstore.SessionStore;

/** Server sessions on the store's backend. */
public interface SessionStoreFactory {

  /**
   * Server sessions on the same backend, so that they are exactly as durable and as shared between instances
   * as the refresh tokens. Closed with the store.
   */
  SessionStore sessionStore(Vertx vertx);
}
