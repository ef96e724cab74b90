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

/** Any store's concerns, with the latency of each operation (successful or not) recorded under its name. */
final class MeasuredRefreshTokenStore implements RefreshTokenStore {
  private final Store store;
  private final Timer issue;
  private final Timer rotate;
  private final Timer revoke;
  private final Timer read;
  private final Timer useFamily;
  private final Timer providerGrant;
  private final Timer purge;
  private final Timer failures;
  private final Timer ping;

  MeasuredRefreshTokenStore(Store store, Metrics metrics) {
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
    return timed(issue, () -> store.families().issue(subject, familyId, user, client));
  }

  @Override
  public Future<Rotation> rotate(String token) {
    return timed(rotate, () -> store.families().rotate(token));
  }

  @Override
  public Future<Rotation> keep(String token) {
    return timed(rotate, () -> store.families().keep(token));
  }

  @Override
  public Future<Void> revokeFamily(String familyId) {
    return timed(revoke, () -> store.families().revokeFamily(familyId));
  }

  @Override
  public Future<Void> revokeFamilyOf(String token) {
    return timed(revoke, () -> store.families().revokeFamilyOf(token));
  }

  @Override
  public Future<Void> revokeSubject(String subject) {
    return timed(revoke, () -> store.subjectRevocations().revokeSubject(subject));
  }

  @Override
  public Future<Long> revokedBefore(String subject) {
    return timed(read, () -> store.subjectRevocations().revokedBefore(subject));
  }

  @Override
  public Future<FamilyRef> familyOf(String token) {
    return timed(read, () -> store.families().familyOf(token));
  }

  @Override
  public Future<RefreshRecord> useFamily(String familyId) {
    return timed(useFamily, () -> store.families().useFamily(familyId));
  }

  @Override
  public Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    return timed(providerGrant, () -> store.providerGrants().putProviderGrant(familyId, providerSession, grant));
  }

  @Override
  public Future<JsonObject> providerGrant(String familyId) {
    return timed(providerGrant, () -> store.providerGrants().providerGrant(familyId));
  }

  @Override
  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    return timed(read, () -> store.providerGrants().familiesOfProviderSession(providerSession));
  }

  @Override
  public Future<List<FamilyInfo>> families(String subject) {
    return timed(read, () -> store.families().families(subject));
  }

  @Override
  public Future<Integer> purgeExpired() {
    return timed(purge, store.lifecycle()::purgeExpired);
  }

  @Override
  public Future<Integer> takeAttempt(String owner, String counter, Duration window) {
    return timed(failures, () -> store.signInAttempts().takeAttempt(owner, counter, window));
  }

  @Override
  public Future<Void> giveBackAttempt(String owner, String counter) {
    return timed(failures, () -> store.signInAttempts().giveBackAttempt(owner, counter));
  }

  @Override
  public Future<Void> clearAttempts(String owner) {
    return timed(failures, () -> store.signInAttempts().clearAttempts(owner));
  }

  @Override
  public SessionStore sessionStore(Vertx vertx) {
    return store.sessions().sessionStore(vertx);
  }

  @Override
  public Future<Void> ping() {
    return timed(ping, store.lifecycle()::ping);
  }

  @Override
  public Future<Void> close() {
    return store.lifecycle().close();
  }
}
