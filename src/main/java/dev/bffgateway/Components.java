package dev.bffgateway;

import dev.bffgateway.auth.ProviderGrants;
import dev.bffgateway.credentials.CredentialVerifier;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.store.Store;
import dev.bffgateway.token.TokenSigner;
import dev.bffgateway.token.Tokens;

import java.time.Clock;
import java.util.Map;

/** What the configuration is turned into once, at start, and shared by every event loop. */
record Components(Tokens tokens, Store store, Sessions sessions, CredentialVerifier credentials, Clock clock,
                  Metrics metrics, Map<String, TokenSigner> oidcClientKeys, ProviderGrants providerGrants) {
  /** After a reload: new keys and users, the same store, sessions and provider grants. */
  Components reloaded(Tokens newTokens, CredentialVerifier newCredentials, Map<String, TokenSigner> newOidcClientKeys) {
    return new Components(newTokens, store, sessions, newCredentials, clock, metrics, newOidcClientKeys, providerGrants);
  }
}
