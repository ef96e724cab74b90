package dev.bffgateway.credentials;

/** Every password-check slot and queue place is taken: a 503 with Retry-After, never a failed sign-in. Stackless. */
public final class PasswordChecksBusyException extends RuntimeException {
  public PasswordChecksBusyException() {
    super("too many password checks at once", null, false, false);
  }
}
