package dev.bffgateway.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.prng.VertxContextPRNG;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.AbstractSession;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.ext.web.sstore.impl.SharedDataSessionImpl;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Vert.x sessions in the gateway's SQLite file, beside the refresh tokens: they survive a restart. Sessions are
 * serialised as Vert.x's own stores do; a write whose version is not the stored one fails, as in Vert.x's stores,
 * so a stale copy never overwrites a newer one. Expired rows go with the refresh-token store's purge.
 */
final class SqliteSessionStore implements SessionStore {
  private static final long RETRY_TIMEOUT_MS = 5_000;

  private final SqliteRefreshTokenStore database;
  private final VertxContextPRNG random;

  SqliteSessionStore(SqliteRefreshTokenStore database, VertxContextPRNG random) {
    this.database = database;
    this.random = random;
  }

  /** Built from the gateway's configuration, not from options. */
  @Override
  public SessionStore init(Vertx vertx, JsonObject options) {
    return this;
  }

  @Override
  public long retryTimeout() {
    return RETRY_TIMEOUT_MS;
  }

  @Override
  public Session createSession(long timeout) {
    return createSession(timeout, DEFAULT_SESSIONID_LENGTH);
  }

  @Override
  public Session createSession(long timeout, int length) {
    return new SharedDataSessionImpl(random, timeout, length);
  }

  @Override
  public Future<Session> get(String id) {
    return database.read(c -> {
      try (PreparedStatement select = c.prepareStatement("SELECT data FROM sessions WHERE id = ? AND expires_at > ?")) {
        select.setString(1, id);
        select.setLong(2, System.currentTimeMillis());
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          SharedDataSessionImpl session = new SharedDataSessionImpl(random);
          session.readFromBuffer(0, Buffer.buffer(rs.getBytes(1)));
          return session;
        }
      }
    });
  }

  @Override
  public Future<Void> delete(String id) {
    return database.write(c -> {
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
        delete.setString(1, id);
        delete.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<Void> put(Session session) {
    AbstractSession written = (AbstractSession) session;
    return database.write(c -> {
      try (PreparedStatement select = c.prepareStatement("SELECT version FROM sessions WHERE id = ?")) {
        select.setString(1, session.id());
        try (ResultSet rs = select.executeQuery()) {
          if (rs.next() && rs.getInt(1) != written.version()) {
            return false;
          }
        }
      }
      written.incrementVersion();
      Buffer data = Buffer.buffer();
      ((SharedDataSessionImpl) session).writeToBuffer(data);
      try (PreparedStatement upsert = c.prepareStatement("""
        INSERT INTO sessions (id, data, version, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET data = excluded.data, version = excluded.version, expires_at = excluded.expires_at""")) {
        upsert.setString(1, session.id());
        upsert.setBytes(2, data.getBytes());
        upsert.setInt(3, written.version());
        upsert.setLong(4, session.lastAccessed() + session.timeout());
        upsert.executeUpdate();
      }
      return true;
    }).compose(stored -> stored ? Future.<Void>succeededFuture() : Future.failedFuture("Session version mismatch"));
  }

  @Override
  public Future<Void> clear() {
    return database.write(c -> {
      try (Statement statement = c.createStatement()) {
        statement.executeUpdate("DELETE FROM sessions");
      }
      return null;
    });
  }

  @Override
  public Future<Integer> size() {
    return database.read(c -> {
      try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM sessions WHERE expires_at > ?")) {
        count.setLong(1, System.currentTimeMillis());
        try (ResultSet rs = count.executeQuery()) {
          return rs.next() ? rs.getInt(1) : 0;
        }
      }
    });
  }

  /** The connection belongs to the refresh-token store, which closes it. */
  @Override
  public void close() {
  }
}
