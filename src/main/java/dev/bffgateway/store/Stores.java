package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.config.StoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;

/** Builds the store on the backend that {@code store.type} names. */
public final class Stores {
  private Stores() {
  }

  public static Future<Store> open(Vertx vertx, StoreConfig store, RefreshTokensConfig refreshTokens, Clock clock) {
    RefreshPolicy policy = new RefreshPolicy(refreshTokens, clock);
    Future<RefreshTokenStore> backend = switch (store.type()) {
      case MEMORY -> Future.succeededFuture(new MemoryRefreshTokenStore(policy));
      case SQLITE -> SqliteRefreshTokenStore.open(vertx, store.sqlitePath(), policy);
      case REDIS -> Future.succeededFuture(RedisRefreshTokenStore.create(vertx, store.redis(), policy));
    };
    return backend.map(Store::of);
  }
}
