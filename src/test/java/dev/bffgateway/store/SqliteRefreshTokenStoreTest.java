package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Nested;
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

  @Nested
  class Families extends FamilyContract {
  }

  @Nested
  class SubjectRevocations extends SubjectRevocationContract {
  }

  @Nested
  class ProviderGrants extends ProviderGrantContract {
  }

  @Nested
  class SignInAttempts extends SignInAttemptContract {
  }

  @Nested
  class Sessions extends SessionContract {
  }

  @Nested
  class Lifecycle extends LifecycleContract {
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
  void migratesAVersionOneDatabase(Vertx vertx) throws Exception {
    store.close().await();
    Path old = dir.resolve("v1.db");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + old); java.sql.Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE families (id TEXT PRIMARY KEY, subject TEXT NOT NULL, user TEXT NOT NULL, client TEXT,"
        + " created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER)");
      s.executeUpdate("CREATE TABLE refresh_tokens (hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, expires_at INTEGER NOT NULL, rotated_at INTEGER)");
      s.executeUpdate("CREATE TABLE login_failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, window_ends_at INTEGER NOT NULL)");
      long now = clock.millis();
      s.executeUpdate("INSERT INTO families VALUES ('f1', '42', '{\"id\":\"42\"}', 'laptop', " + now + ", " + now + ", " + (now + 250_000) + ", NULL)");
      s.executeUpdate("INSERT INTO refresh_tokens VALUES ('" + dev.bffgateway.token.OpaqueTokens.hash("old-token") + "', 'f1', " + (now + 100_000) + ", NULL)");
      s.executeUpdate("PRAGMA user_version = 1");
    }
    store = SqliteRefreshTokenStore.open(vertx, old, new RefreshPolicy(LIFETIMES, clock)).await();
    assertEquals(Outcome.ROTATED, store.rotate("old-token").await().outcome(), "version 1 data survives");
    store.revokeSubject("42").await();
    assertEquals(clock.millis(), store.revokedBefore("42").await(), "version 2 table exists");
    assertEquals(1, store.takeAttempt("user:bob", "10.0.0.1", java.time.Duration.ofMinutes(15)).await(), "version 5 table exists");
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
