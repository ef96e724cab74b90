package dev.bffgateway.store;

import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.token.OpaqueTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.prng.VertxContextPRNG;
import io.vertx.ext.web.sstore.SessionStore;
import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded default: one SQLite file in WAL mode. All calls run on one dedicated worker thread holding one
 * connection, so the event loops never wait on disk and operations never interleave; each write is one
 * IMMEDIATE transaction, so a crash mid-rotation leaves either the old state or the new one. Other processes
 * may open the same file: SQLite's locking (and the busy timeout) keeps them consistent.
 */
final class SqliteRefreshTokenStore implements RefreshTokenStore {
  private static final int SCHEMA_VERSION = 5;
  private static final int PURGE_BATCH = 1000;

  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final WorkerExecutor worker;
  private final Connection connection;
  private final RefreshPolicy policy;

  private SqliteRefreshTokenStore(WorkerExecutor worker, Connection connection, RefreshPolicy policy) {
    this.worker = worker;
    this.connection = connection;
    this.policy = policy;
  }

  static Future<RefreshTokenStore> open(Vertx vertx, Path file, RefreshPolicy policy) {
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("bff-sqlite-" + file, 1);
    return worker.<RefreshTokenStore>executeBlocking(() -> new SqliteRefreshTokenStore(worker, connect(file), policy))
      .recover(failure -> worker.close().transform(closed ->
        Future.failedFuture(new StoreUnavailableException("cannot open " + file + ": " + failure.getMessage(), failure))));
  }

  private static Connection connect(Path file) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // NORMAL in WAL mode: a process crash loses nothing; only a power loss can lose the last commits.
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(5_000);
    Connection connection = config.createConnection("jdbc:sqlite:" + file);
    // Auto-commit stays on: transactions are begun explicitly and only around writes, so no lock is held
    // between operations and other processes on the same file are never shut out.
    inTransaction(connection, SqliteRefreshTokenStore::migrate);
    return connection;
  }

  private static Void migrate(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      int version;
      try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version > SCHEMA_VERSION) {
        throw new SQLException("the database has schema version " + version + ", newer than this gateway's " + SCHEMA_VERSION);
      }
      if (version < 1) {
        statement.executeUpdate("""
          CREATE TABLE families (
            id TEXT PRIMARY KEY, subject TEXT NOT NULL, user TEXT NOT NULL, client TEXT,
            created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER)""");
        statement.executeUpdate("CREATE INDEX families_by_subject ON families(subject)");
        statement.executeUpdate("CREATE INDEX families_by_expiry ON families(expires_at)");
        statement.executeUpdate("""
          CREATE TABLE refresh_tokens (
            hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, expires_at INTEGER NOT NULL, rotated_at INTEGER)""");
        statement.executeUpdate("CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens(expires_at)");
        statement.executeUpdate("""
          CREATE TABLE login_failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, window_ends_at INTEGER NOT NULL)""");
      }
      if (version < 2) {
        statement.executeUpdate("""
          CREATE TABLE subject_revocations (subject TEXT PRIMARY KEY, revoked_before INTEGER NOT NULL)""");
      }
      if (version < 3) {
        statement.executeUpdate("""
          CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, version INTEGER NOT NULL, expires_at INTEGER NOT NULL)""");
        statement.executeUpdate("CREATE INDEX sessions_by_expiry ON sessions(expires_at)");
      }
      if (version < 4) {
        statement.executeUpdate("ALTER TABLE families ADD COLUMN provider_grant TEXT");
        statement.executeUpdate("ALTER TABLE families ADD COLUMN provider_session TEXT");
        statement.executeUpdate("CREATE INDEX families_by_provider_session ON families(provider_session)");
      }
      if (version < 5) {
        // Throttling counts grouped by owner (a user name, or an address), so that an unlock is one DELETE.
        statement.executeUpdate("DROP TABLE login_failures");
        statement.executeUpdate("""
          CREATE TABLE sign_in_attempts (
            owner TEXT NOT NULL, counter TEXT NOT NULL, count INTEGER NOT NULL, window_ends_at INTEGER NOT NULL,
            PRIMARY KEY (owner, counter))""");
        statement.executeUpdate("CREATE INDEX sign_in_attempts_by_expiry ON sign_in_attempts(window_ends_at)");
      }
      if (version < SCHEMA_VERSION) {
        statement.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
      }
    }
    return null;
  }

  /** One IMMEDIATE transaction: the write lock is taken at its start, so no two writers interleave. */
  <T> Future<T> write(Work<T> work) {
    return read(connection -> inTransaction(connection, work));
  }

  <T> Future<T> read(Work<T> work) {
    return worker.executeBlocking(() -> {
      try {
        return work.run(connection);
      } catch (SQLException e) {
        throw new StoreUnavailableException("SQLite: " + e.getMessage(), e);
      }
    });
  }

  private static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        T result = work.run(connection);
        statement.execute("COMMIT");
        return result;
      } catch (SQLException | RuntimeException e) {
        statement.execute("ROLLBACK");
        throw e;
      }
    }
  }

  @Override
  public Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client) {
    return write(c -> {
      long now = policy.now();
      String id = familyId == null ? RefreshPolicy.newFamilyId() : familyId;
      try (PreparedStatement insert = c.prepareStatement("""
        INSERT OR IGNORE INTO families (id, subject, user, client, created_at, last_used_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
        insert.setString(1, id);
        insert.setString(2, subject);
        insert.setString(3, user.encode());
        insert.setString(4, client);
        insert.setLong(5, now);
        insert.setLong(6, now);
        insert.setLong(7, policy.familyExpiry(now));
        insert.executeUpdate();
      }
      long familyExpiresAt;
      try (PreparedStatement select = c.prepareStatement("SELECT expires_at FROM families WHERE id = ?")) {
        select.setString(1, id);
        try (ResultSet rs = select.executeQuery()) {
          rs.next();
          familyExpiresAt = rs.getLong(1);
        }
      }
      String token = OpaqueTokens.generate();
      long expiresAt = policy.tokenExpiry(now, familyExpiresAt);
      insertToken(c, OpaqueTokens.hash(token), id, expiresAt);
      return new IssuedRefreshToken(token, id, expiresAt);
    });
  }

  private static void insertToken(Connection c, String hash, String familyId, long expiresAt) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO refresh_tokens (hash, family_id, expires_at) VALUES (?, ?, ?)")) {
      insert.setString(1, hash);
      insert.setString(2, familyId);
      insert.setLong(3, expiresAt);
      insert.executeUpdate();
    }
  }

  @Override
  public Future<Rotation> rotate(String token) {
    return present(token, true);
  }

  @Override
  public Future<Rotation> keep(String token) {
    return present(token, false);
  }

  private Future<Rotation> present(String token, boolean rotate) {
    return write(c -> {
      long now = policy.now();
      String hash = OpaqueTokens.hash(token);
      try (PreparedStatement select = c.prepareStatement("""
        SELECT t.family_id, t.expires_at, t.rotated_at, f.subject, f.user, f.expires_at, f.revoked_at
        FROM refresh_tokens t JOIN families f ON f.id = t.family_id WHERE t.hash = ?""")) {
        select.setString(1, hash);
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return Rotation.failed(Outcome.UNKNOWN);
          }
          String familyId = rs.getString(1);
          long expiresAt = rs.getLong(2);
          long rotatedAt = rs.getObject(3) == null ? -1 : rs.getLong(3);
          String subject = rs.getString(4);
          JsonObject user = new JsonObject(rs.getString(5));
          long familyExpiresAt = rs.getLong(6);
          if (rs.getObject(7) != null) {
            return Rotation.failed(Outcome.REVOKED);
          }
          if (now > expiresAt || now > familyExpiresAt) {
            return Rotation.failed(Outcome.EXPIRED);
          }
          if (rotatedAt >= 0) {
            if (policy.withinGrace(rotatedAt, now)) {
              return Rotation.grace(new RefreshRecord(familyId, subject, user, expiresAt, familyExpiresAt));
            }
            revoke(c, "id = ?", familyId, now);
            return Rotation.failed(Outcome.REUSED);
          }
          RefreshRecord current = new RefreshRecord(familyId, subject, user, expiresAt, familyExpiresAt);
          return rotate ? rotateCurrent(c, hash, current, now) : keepCurrent(c, hash, current, now);
        }
      }
    });
  }

  private Rotation rotateCurrent(Connection c, String hash, RefreshRecord current, long now) throws SQLException {
    try (PreparedStatement mark = c.prepareStatement("UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ?")) {
      mark.setLong(1, now);
      mark.setString(2, hash);
      mark.executeUpdate();
    }
    touch(c, current.familyId(), now);
    String successor = OpaqueTokens.generate();
    long expiresAt = policy.tokenExpiry(now, current.familyExpiresAt());
    insertToken(c, OpaqueTokens.hash(successor), current.familyId(), expiresAt);
    return Rotation.rotated(successor, new RefreshRecord(current.familyId(), current.subject(), current.user(), expiresAt, current.familyExpiresAt()));
  }

  private Rotation keepCurrent(Connection c, String hash, RefreshRecord current, long now) throws SQLException {
    long expiresAt = policy.tokenExpiry(now, current.familyExpiresAt());
    try (PreparedStatement slide = c.prepareStatement("UPDATE refresh_tokens SET expires_at = ? WHERE hash = ?")) {
      slide.setLong(1, expiresAt);
      slide.setString(2, hash);
      slide.executeUpdate();
    }
    touch(c, current.familyId(), now);
    return Rotation.kept(new RefreshRecord(current.familyId(), current.subject(), current.user(), expiresAt, current.familyExpiresAt()));
  }

  private static void touch(Connection c, String familyId, long now) throws SQLException {
    try (PreparedStatement touch = c.prepareStatement("UPDATE families SET last_used_at = ? WHERE id = ?")) {
      touch.setLong(1, now);
      touch.setString(2, familyId);
      touch.executeUpdate();
    }
  }

  private static void revoke(Connection c, String where, String value, long now) throws SQLException {
    try (PreparedStatement update = c.prepareStatement("UPDATE families SET revoked_at = ?, provider_grant = NULL WHERE revoked_at IS NULL AND " + where)) {
      update.setLong(1, now);
      update.setString(2, value);
      update.executeUpdate();
    }
  }

  @Override
  public Future<Void> revokeFamily(String familyId) {
    return write(c -> {
      revoke(c, "id = ?", familyId, policy.now());
      return null;
    });
  }

  @Override
  public Future<Void> revokeFamilyOf(String token) {
    return write(c -> {
      revoke(c, "id = (SELECT family_id FROM refresh_tokens WHERE hash = ?)", OpaqueTokens.hash(token), policy.now());
      return null;
    });
  }

  @Override
  public Future<Void> revokeSubject(String subject) {
    return write(c -> {
      long now = policy.now();
      revoke(c, "subject = ?", subject, now);
      try (PreparedStatement upsert = c.prepareStatement(
        "INSERT INTO subject_revocations (subject, revoked_before) VALUES (?, ?) ON CONFLICT (subject) DO UPDATE SET revoked_before = excluded.revoked_before")) {
        upsert.setString(1, subject);
        upsert.setLong(2, now);
        upsert.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<Long> revokedBefore(String subject) {
    return read(c -> {
      try (PreparedStatement select = c.prepareStatement("SELECT revoked_before FROM subject_revocations WHERE subject = ?")) {
        select.setString(1, subject);
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0L;
        }
      }
    });
  }

  @Override
  public Future<FamilyRef> familyOf(String token) {
    return read(c -> {
      try (PreparedStatement select = c.prepareStatement(
        "SELECT t.family_id, f.subject FROM refresh_tokens t JOIN families f ON f.id = t.family_id WHERE t.hash = ?")) {
        select.setString(1, OpaqueTokens.hash(token));
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() ? new FamilyRef(rs.getString(1), rs.getString(2)) : null;
        }
      }
    });
  }

  @Override
  public Future<List<FamilyInfo>> families(String subject) {
    return read(c -> {
      try (PreparedStatement select = c.prepareStatement("""
        SELECT id, created_at, last_used_at, client FROM families
        WHERE subject = ? AND revoked_at IS NULL AND expires_at >= ? ORDER BY created_at, id""")) {
        select.setString(1, subject);
        select.setLong(2, policy.now());
        List<FamilyInfo> families = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            families.add(new FamilyInfo(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4)));
          }
        }
        return families;
      }
    });
  }

  @Override
  public Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    return write(c -> {
      try (PreparedStatement update = c.prepareStatement("""
        UPDATE families SET provider_grant = ?, provider_session = coalesce(?, provider_session)
        WHERE id = ? AND revoked_at IS NULL AND expires_at >= ?""")) {
        update.setString(1, grant.encode());
        update.setString(2, providerSession);
        update.setString(3, familyId);
        update.setLong(4, policy.now());
        return update.executeUpdate() == 1;
      }
    });
  }

  @Override
  public Future<JsonObject> providerGrant(String familyId) {
    return read(c -> {
      try (PreparedStatement select = c.prepareStatement(
        "SELECT provider_grant FROM families WHERE id = ? AND revoked_at IS NULL AND expires_at >= ?")) {
        select.setString(1, familyId);
        select.setLong(2, policy.now());
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() && rs.getString(1) != null ? new JsonObject(rs.getString(1)) : null;
        }
      }
    });
  }

  @Override
  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    return read(c -> {
      try (PreparedStatement select = c.prepareStatement(
        "SELECT id FROM families WHERE provider_session = ? AND revoked_at IS NULL AND expires_at >= ?")) {
        select.setString(1, providerSession);
        select.setLong(2, policy.now());
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
          }
        }
        return ids;
      }
    });
  }

  /** In batches, each its own short transaction, so a large purge never holds up rotations for long. */
  @Override
  public Future<RefreshRecord> useFamily(String familyId) {
    return write(c -> {
      long now = policy.now();
      try (PreparedStatement update = c.prepareStatement("""
        UPDATE families SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at >= ?
        RETURNING subject, user, expires_at""")) {
        update.setLong(1, now);
        update.setString(2, familyId);
        update.setLong(3, now);
        try (ResultSet rs = update.executeQuery()) {
          return rs.next() ? new RefreshRecord(familyId, rs.getString(1), new JsonObject(rs.getString(2)), rs.getLong(3), rs.getLong(3)) : null;
        }
      }
    });
  }

  @Override
  public Future<Integer> purgeExpired() {
    return purgeBatches(policy.now(), 0);
  }

  private Future<Integer> purgeBatches(long now, int purgedSoFar) {
    return write(c -> {
      // Sessions expire on the wall clock, as Vert.x's sessions count their idle time on it.
      int purged = delete(c, "refresh_tokens", "expires_at", now) + delete(c, "families", "expires_at", now)
        + delete(c, "sessions", "expires_at", System.currentTimeMillis());
      delete(c, "sign_in_attempts", "window_ends_at", now);
      delete(c, "subject_revocations", "revoked_before", now - RefreshPolicy.REVOCATION_KEPT_MS);
      return purged;
    }).compose(purged -> purged >= PURGE_BATCH ? purgeBatches(now, purgedSoFar + purged) : Future.succeededFuture(purgedSoFar + purged));
  }

  private static int delete(Connection c, String table, String column, long now) throws SQLException {
    try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table
      + " WHERE " + column + " < ? LIMIT " + PURGE_BATCH + ")")) {
      delete.setLong(1, now);
      return delete.executeUpdate();
    }
  }

  @Override
  public Future<Integer> takeAttempt(String owner, String counter, Duration window) {
    return write(c -> {
      long now = policy.now();
      try (PreparedStatement expired = c.prepareStatement("DELETE FROM sign_in_attempts WHERE owner = ? AND window_ends_at <= ?")) {
        expired.setString(1, owner);
        expired.setLong(2, now);
        expired.executeUpdate();
      }
      // A new counter joins the owner's window; the owner's first counter opens it.
      try (PreparedStatement upsert = c.prepareStatement("""
        INSERT INTO sign_in_attempts (owner, counter, count, window_ends_at)
        VALUES (?, ?, 1, COALESCE((SELECT window_ends_at FROM sign_in_attempts WHERE owner = ? LIMIT 1), ?))
        ON CONFLICT (owner, counter) DO UPDATE SET count = count + 1
        RETURNING count""")) {
        upsert.setString(1, owner);
        upsert.setString(2, counter);
        upsert.setString(3, owner);
        upsert.setLong(4, now + window.toMillis());
        try (ResultSet rs = upsert.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  @Override
  public Future<Void> giveBackAttempt(String owner, String counter) {
    return write(c -> {
      try (PreparedStatement update = c.prepareStatement("""
        UPDATE sign_in_attempts SET count = count - 1 WHERE owner = ? AND counter = ? AND count > 0 AND window_ends_at > ?""")) {
        update.setString(1, owner);
        update.setString(2, counter);
        update.setLong(3, policy.now());
        update.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<Void> clearAttempts(String owner) {
    return write(c -> {
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM sign_in_attempts WHERE owner = ?")) {
        delete.setString(1, owner);
        delete.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public SessionStore sessionStore(Vertx vertx) {
    return new SqliteSessionStore(this, VertxContextPRNG.current(vertx));
  }

  @Override
  public Future<Void> ping() {
    return read(c -> {
      try (Statement statement = c.createStatement(); ResultSet rs = statement.executeQuery("SELECT 1")) {
        rs.next();
      }
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    return worker.<Void>executeBlocking(() -> {
      connection.close();
      return null;
    }).eventually(worker::close);
  }
}
