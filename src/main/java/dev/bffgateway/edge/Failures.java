package dev.bffgateway.edge;

import dev.bffgateway.auth.ProviderGrants;

import dev.bffgateway.credentials.PasswordChecksBusyException;
import dev.bffgateway.credentials.VerifierUnavailableException;
import dev.bffgateway.store.StoreUnavailableException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a client hears when a dependency of its request failed: a temporary error, never a stack trace. */
public final class Failures {
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
  static final int RETRY_AFTER_SECONDS = 5;
  /** A password check takes a fraction of a second: the queue is free again soon. */
  static final int BUSY_RETRY_AFTER_SECONDS = 1;

  private Failures() {
  }

  public static void send(HttpServerResponse response, Throwable failure) {
    if (failure instanceof StoreUnavailableException) {
      LOG.warn("store unavailable: {}", failure.getMessage());
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
      ErrorResponses.send(response, 503, "The session store is unavailable; try again shortly");
    } else if (failure instanceof PasswordChecksBusyException) {
      // Logged by PasswordChecks, at most once a minute: a flood must not become a flood of log lines too.
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(BUSY_RETRY_AFTER_SECONDS));
      ErrorResponses.send(response, 503, "Too many sign-ins at once; try again shortly");
    } else if (failure instanceof VerifierUnavailableException unavailable) {
      LOG.warn("credential verifier unavailable: {}", failure.getMessage());
      ErrorResponses.send(response, unavailable.timedOut() ? 504 : 502, "The credentials service is unavailable");
    } else if (failure instanceof ProviderGrants.NoProviderToken) {
      response.putHeader("www-authenticate", "Bearer");
      ErrorResponses.send(response, 401, failure.getMessage());
    } else if (failure instanceof ProviderGrants.ProviderUnavailable) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
      ErrorResponses.send(response, 502, failure.getMessage());
    } else {
      ErrorResponses.fault(response, failure);
    }
  }
}
