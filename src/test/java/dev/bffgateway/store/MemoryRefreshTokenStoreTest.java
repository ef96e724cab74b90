package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

class MemoryRefreshTokenStoreTest extends RefreshTokenStoreContract {
  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return Future.succeededFuture(new MemoryRefreshTokenStore(new RefreshPolicy(lifetimes, clock)));
  }
}
