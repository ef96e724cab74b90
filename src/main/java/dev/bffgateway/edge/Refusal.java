package dev.bffgateway.edge;

/**
 * A request the gateway answers with a 4xx of its own, through the router's one failure handler
 * ({@link ErrorResponses#failed}). Carries no stack trace: it is an answer, not a fault.
 */
public final class Refusal extends RuntimeException {
  private final int status;

  public Refusal(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
