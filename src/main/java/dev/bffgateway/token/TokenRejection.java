package dev.bffgateway.token;

/**
 * Why a token was refused. The reason goes to metrics and the debug log; the client only ever learns
 * ServiceStack's "Token has expired" or "Token is invalid". Stackless: rejections are routine and cheap.
 */
public final class TokenRejection extends Exception {
  public enum Reason {
    MALFORMED, TOO_LARGE, UNSUPPORTED_ALGORITHM, FORBIDDEN_HEADER, WRONG_TYPE, UNKNOWN_KEY, ALGORITHM_MISMATCH,
    BAD_SIGNATURE, EXPIRED, NOT_YET_VALID, WRONG_ISSUER, WRONG_AUDIENCE, MISSING_CLAIM
  }

  private final Reason reason;

  TokenRejection(Reason reason) {
    super(reason.name(), null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public String clientMessage() {
    return reason == Reason.EXPIRED ? "Token has expired" : "Token is invalid";
  }
}
