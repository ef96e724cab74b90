package dev.bffgateway.store;

/**
 * The store cannot answer right now (Redis down, SQLite locked): the caller answers 503 with Retry-After and
 * changes nothing. Stackless: during an outage it is thrown for every request.
 */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
