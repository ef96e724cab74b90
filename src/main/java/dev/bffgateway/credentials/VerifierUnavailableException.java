package dev.bffgateway.credentials;

/** The credential verifier could not answer: 504 when it timed out, 502 otherwise. Stackless. */
public final class VerifierUnavailableException extends RuntimeException {
  private final boolean timedOut;

  public VerifierUnavailableException(String message, boolean timedOut) {
    super(message, null, false, false);
    this.timedOut = timedOut;
  }

  public boolean timedOut() {
    return timedOut;
  }
}
