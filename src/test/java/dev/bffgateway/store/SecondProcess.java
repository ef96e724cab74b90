package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Clock;

/** Run in a separate JVM by the SQLite test: rotates one token in the given file and prints the outcome. */
public final class SecondProcess {
  private SecondProcess() {
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    try {
      RefreshTokenStore store = SqliteRefreshTokenStore.open(vertx, Path.of(args[0]),
        new RefreshPolicy(new RefreshTokensConfig(100, 250, 10, RefreshTokensConfig.Rotate.COOKIES), Clock.systemUTC())).await();
      System.out.println("outcome=" + store.rotate(args[1]).await().outcome());
      store.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
