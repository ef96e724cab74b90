package dev.bffgateway;

import dev.bffgateway.credentials.CredentialVerifier;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.store.RefreshTokenStore;
import dev.bffgateway.token.Tokens;

import java.time.Clock;

/** What the configuration is turned into once, at start, and shared by every event loop. */
record Components(Tokens tokens, RefreshTokenStore store, Sessions sessions, CredentialVerifier credentials, Clock clock,
                  Metrics metrics) {
  /** After a reload: new keys and users, the same store and sessions. */
  Components reloaded(Tokens newTokens, CredentialVerifier newCredentials) {
    return new Components(newTokens, store, sessions, newCredentials, clock, metrics);
  }
}
