package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqliteRefreshTokenStoreTest extends RefreshTokenStoreContract {
  @TempDir
  Path dir;

  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return SqliteRefreshTokenStore.open(vertx, dir.resolve("store.db"), new RefreshPolicy(lifetimes, clock));
  }

  @Test
  void everyTokenSurvivesARestartOnTheSameFile(Vertx vertx) {
    IssuedRefreshToken issued = store.issue("42", null, ALICE, "laptop").await();
    Rotation rotated = store.rotate(issued.token()).await();
    store.close().await();

    store = open(vertx, LIFETIMES, clock).await();
    assertEquals(Outcome.GRACE, store.rotate(issued.token()).await().outcome(), "the rotation time survived");
    assertEquals(Outcome.ROTATED, store.rotate(rotated.newToken()).await().outcome());
    assertEquals(List.of(issued.familyId()), store.families("42").await().stream().map(FamilyInfo::familyId).toList());
  }

  @Test
  void aSecondProcessSharesTheFile() throws Exception {
    IssuedRefreshToken issued = store.issue("42", null, ALICE, "laptop").await();
    Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), SecondProcess.class.getName(), dir.resolve("store.db").toString(), issued.token())
      .redirectErrorStream(true)
      .start();
    String output = new String(other.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, other.waitFor(), output);
    assertTrue(output.contains("outcome=ROTATED"), output);
    assertEquals(Outcome.GRACE, store.rotate(issued.token()).await().outcome(), "this process sees the other's rotation");
  }

  @Test
  void aSecondConnectionToTheFileSeesTheSameFamilies(Vertx vertx) {
    IssuedRefreshToken issued = store.issue("42", null, ALICE, "laptop").await();
    RefreshTokenStore other = open(vertx, LIFETIMES, clock).await();
    try {
      assertEquals(Outcome.ROTATED, other.rotate(issued.token()).await().outcome());
      assertEquals(Outcome.GRACE, store.rotate(issued.token()).await().outcome(), "the first connection sees the rotation");
    } finally {
      other.close().await();
    }
  }
}
