package dev.bffgateway.store;

import io.vertx.core.Future;

import java.time.Duration;

/**
 * Sign-in throttling counters, in the store so that throttling holds across instances. Fails as {@link Store}
 * says.
 */
public interface SignInAttemptStore {

  /**
   * Sign-in throttling, counted before the password is checked so that concurrent attempts cannot outrun it:
   * atomically counts one attempt under {@code counter} of {@code owner} and returns that counter's count, this
   * attempt included. All of an owner's counters restart together once {@code window} has passed since the first
   * attempt of the owner's window, so that an owner's counts are one record that {@link #clearAttempts} removes.
   */
  Future<Integer> takeAttempt(String owner, String counter, Duration window);

  /** Takes back one attempt that did not fail (it succeeded, or was refused unchecked); never below zero. */
  Future<Void> giveBackAttempt(String owner, String counter);

  /** Forgets every counter of the owner: an unlock. */
  Future<Void> clearAttempts(String owner);
}
