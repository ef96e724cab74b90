package dev.bffgateway;

import dev.bffgateway.store.RefreshTokenStore;
import dev.bffgateway.token.Tokens;

/** What the configuration is turned into once, at start, and shared by every event loop. */
record Components(Tokens tokens, RefreshTokenStore store) {
}
