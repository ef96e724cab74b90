package dev.bffgateway.store;

import dev.bffgateway.ops.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.sstore.SessionStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Any store, with the latency of each operation (successful or not) recorded under its name. */
public final class MeasuredRefreshTokenStore implements RefreshTokenStore {
  private final RefreshTokenStore store;
  private final Timer issue;
  private final Timer rotate;
  private final Timer revoke;
  private final Timer read;
  private final Timer useFamily;
  private final Timer providerGrant;
  private final Timer purge;
  private final Timer failures;
  private final Timer ping;

  public MeasuredRefreshTokenStore(RefreshTokenStore store, Metrics metrics) {
    this.store = store;
    this.issue = metrics.storeOperation("issue");
    this.rotate = metrics.storeOperation("rotate");
    this.revoke = metrics.storeOperation("revoke");
    this.read = metrics.storeOperation("read");
    this.useFamily = metrics.storeOperation("use_family");
    this.providerGrant = metrics.storeOperation("provider_grant");
    this.purge = metrics.storeOperation("purge");
    this.failures = metrics.storeOperation("failures");
    this.ping = metrics.storeOperation("ping");
  }

  private static <T> Future<T> timed(Timer timer, Supplier<Future<T>> operation) {
    long start = System.nanoTime();
    return operation.get().onComplete(done -> timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  @Override
  public Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client) {
    return timed(issue, () -> store.issue(subject, familyId, user, client));
  }

  @Override
  public Future<Rotation> rotate(String token) {
    return timed(rotate, () -> store.rotate(token));
  }

  @Override
  public Future<Rotation> keep(String token) {
    return timed(rotate, () -> store.keep(token));
  }

  @Override
  public Future<Void> revokeFamily(String familyId) {
    return timed(revoke, () -> store.revokeFamily(familyId));
  }

  @Override
  public Future<Void> revokeFamilyOf(String token) {
    return timed(revoke, () -> store.revokeFamilyOf(token));
  }

  @Override
  public Future<Void> revokeSubject(String subject) {
    return timed(revoke, () -> store.revokeSubject(subject));
  }

  @Override
  public Future<Long> revokedBefore(String subject) {
    return timed(read, () -> store.revokedBefore(subject));
  }

  @Override
  public Future<FamilyRef> familyOf(String token) {
    return timed(read, () -> store.familyOf(token));
  }

  @Override
  public Future<RefreshRecord> useFamily(String familyId) {
    return timed(useFamily, () -> store.useFamily(familyId));
  }

  @Override
  public Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    return timed(providerGrant, () -> store.putProviderGrant(familyId, providerSession, grant));
  }

  @Override
  public Future<JsonObject> providerGrant(String familyId) {
    return timed(providerGrant, () -> store.providerGrant(familyId));
  }

  @Override
  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    return timed(read, () -> store.familiesOfProviderSession(providerSession));
  }

  @Override
  public Future<List<FamilyInfo>> families(String subject) {
    return timed(read, () -> store.families(subject));
  }

  @Override
  public Future<Integer> purgeExpired() {
    return timed(purge, store::purgeExpired);
  }

  @Override
  public Future<Integer> takeAttempt(String owner, String counter, Duration window) {
    return timed(failures, () -> store.takeAttempt(owner, counter, window));
  }

  @Override
  public Future<Void> giveBackAttempt(String owner, String counter) {
    return timed(failures, () -> store.giveBackAttempt(owner, counter));
  }

  @Override
  public Future<Void> clearAttempts(String owner) {
    return timed(failures, () -> store.clearAttempts(owner));
  }

  @Override
  public SessionStore sessionStore(Vertx vertx) {
    return store.sessionStore(vertx);
  }

  @Override
  public Future<Void> ping() {
    return timed(ping, store::ping);
  }

  @Override
  public Future<Void> close() {
    return store.close();
  }
}
