package dev.bffgateway.session;

import dev.bffgateway.config.SessionsConfig;
import dev.bffgateway.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server sessions behind the {@code ss-id} cookie, on the Vert.x {@link SessionStore} of the configured store
 * type. A session holds who signed in and the refresh family it stands for, never a token: the family is its
 * entry in "your devices" and its revocation switch, and access tokens are minted from it when needed. So a
 * session's data never changes after sign-in, and concurrent requests have nothing to overwrite.
 */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final String SUBJECT = "sub";
  private static final String FAMILY = "fam";
  private static final String STARTED = "started";
  private static final String FLOW = "flow";
  /** 256 random bits. */
  private static final int ID_BYTES = 32;

  /** A live session: its id (the cookie's value), its user and its refresh family. */
  public record Held(String id, String subject, String familyId) {
  }

  private final SessionStore store;
  private final long idleMillis;
  private final long maxLifetimeMillis;

  public Sessions(SessionStore store, SessionsConfig config) {
    this.store = store;
    this.idleMillis = config.idleTimeoutSeconds() * 1000;
    this.maxLifetimeMillis = config.maxLifetimeSeconds() * 1000;
  }

  /** A new session with a new id: a sign-in never continues a session the browser already had (no fixation). */
  public Future<Held> start(String subject, String familyId) {
    Session session = store.createSession(idleMillis, ID_BYTES);
    session.put(SUBJECT, subject).put(FAMILY, familyId).put(STARTED, System.currentTimeMillis());
    return unavailableOnFailure(store.put(session)).map(stored -> held(session));
  }

  /** The live session with this id, or null when there is none (unknown, idle too long, or past its lifetime). */
  public Future<Held> find(String id) {
    return unavailableOnFailure(store.get(id)).compose(session -> {
      if (session == null || session.get(SUBJECT) == null) {
        return Future.succeededFuture();
      }
      long now = System.currentTimeMillis();
      Long started = session.get(STARTED);
      if (started == null || now - started > maxLifetimeMillis || idle(session, now)) {
        return end(id).map((Held) null);
      }
      touch(session, now);
      return Future.succeededFuture(held(session));
    });
  }

  public Future<Void> end(String id) {
    return unavailableOnFailure(store.delete(id));
  }

  /**
   * Keeps the state of an external sign-in (OpenID Connect state, nonce, PKCE verifier) until the browser comes
   * back: in the same store as sessions, so that any instance can finish what another started.
   */
  public Future<String> startFlow(JsonObject flow, long ttlMillis) {
    Session session = store.createSession(ttlMillis, ID_BYTES);
    session.put(FLOW, flow.encode());
    return unavailableOnFailure(store.put(session)).map(stored -> session.id());
  }

  /** The flow's state, once: it is deleted as it is read, so a callback cannot be replayed. Null when unknown. */
  public Future<JsonObject> takeFlow(String id) {
    return unavailableOnFailure(store.get(id)).compose(session -> {
      String flow = session == null ? null : session.get(FLOW);
      if (flow == null || idle(session, System.currentTimeMillis())) {
        return Future.succeededFuture();
      }
      return end(id).map(new JsonObject(flow));
    });
  }

  /**
   * Keeps a used session from idling out. Written at most every tenth of the idle timeout, not on every request;
   * a failed write (a concurrent one won, or the store is down) only means the next use writes again.
   */
  private void touch(Session session, long now) {
    if (now - session.lastAccessed() > idleMillis / 10) {
      session.setAccessed();
      store.put(session).onFailure(failure -> LOG.debug("session not touched: {}", failure.getMessage()));
    }
  }

  /** Not every store expires idle entries on time (the memory store reaps once a minute): checked on every read. */
  private static boolean idle(Session session, long now) {
    return now - session.lastAccessed() > session.timeout();
  }

  private static Held held(Session session) {
    return new Held(session.id(), session.get(SUBJECT), session.get(FAMILY));
  }

  private static <T> Future<T> unavailableOnFailure(Future<T> operation) {
    return operation.recover(failure -> Future.failedFuture(failure instanceof StoreUnavailableException ? failure
      : new StoreUnavailableException("sessions: " + failure.getMessage(), failure)));
  }
}
