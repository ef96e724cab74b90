package dev.bffgateway.auth;

import dev.bffgateway.config.CredentialsConfig;
import dev.bffgateway.store.SignInAttemptStore;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Locale;

/**
 * Sign-in throttling: within the window, at most {@code maxFailures} failed password checks per user name and client
 * address, and {@code maxFailuresPerAddress} per address whatever the names (so that made-up names do not each get a
 * fresh allowance). An attempt takes its slot in both counts before its password is checked, so concurrent attempts
 * cannot outrun the limits, and keeps the slots only when the check fails. The counts live in the store: instances
 * that share it share them, and they survive restarts until the window ends or an {@link #unlock}.
 */
public final class SignInThrottle {
  /** The address's one counter. Not a possible address, so never confused with one of a user's counters. */
  private static final String ANY_NAME = "any name";

  private final SignInAttemptStore store;
  private final int maxFailures;
  private final int maxFailuresPerAddress;
  private final Duration window;

  public SignInThrottle(SignInAttemptStore store, CredentialsConfig config) {
    this.store = store;
    this.maxFailures = config.maxFailures();
    this.maxFailuresPerAddress = config.maxFailuresPerAddress();
    this.window = Duration.ofSeconds(config.failureWindowSeconds());
  }

  /** An attempt allowed to check its password, holding its slots until it is known whether the check failed. */
  public final class Attempt {
    private final String user;
    private final String address;

    private Attempt(String user, String address) {
      this.user = user;
      this.address = address;
    }

    /** The check did not fail (the password was right, or nobody could tell): the attempt does not count. */
    public Future<Void> giveBack() {
      return Future.all(store.giveBackAttempt(user, address), store.giveBackAttempt(addressOwner(address), ANY_NAME)).mapEmpty();
    }
  }

  /**
   * Takes the attempt's slots: the attempt, or null when a limit is reached, and then the password must not be
   * checked (the refused attempt counts for nothing).
   */
  public Future<Attempt> take(String userName, String address) {
    String perAddress = addressOwner(address);
    return store.takeAttempt(perAddress, ANY_NAME, window).compose(addressCount -> {
      if (addressCount > maxFailuresPerAddress) {
        return store.giveBackAttempt(perAddress, ANY_NAME).map((Attempt) null);
      }
      String user = userOwner(userName);
      return store.takeAttempt(user, address, window).compose(userCount -> userCount <= maxFailures
        ? Future.succeededFuture(new Attempt(user, address))
        : new Attempt(user, address).giveBack().map((Attempt) null));
    });
  }

  /** Forgets the user name's failures at every address. The addresses' own counts stay. */
  public Future<Void> unlock(String userName) {
    return store.clearAttempts(userOwner(userName));
  }

  /** How long a refusal lasts at most: the {@code Retry-After} of a 429. */
  public Duration window() {
    return window;
  }

  /** User names are counted as ServiceStack matches them: trimmed, case-insensitively. */
  private static String userOwner(String userName) {
    return "user:" + userName.trim().toLowerCase(Locale.ROOT);
  }

  private static String addressOwner(String address) {
    return "address:" + address;
  }
}
