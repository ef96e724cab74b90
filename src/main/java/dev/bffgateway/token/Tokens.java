package dev.bffgateway.token;

import dev.bffgateway.ops.Metrics;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.config.TokensConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;

/**
 * The token component, built once from the configuration and the loaded key set and shared by every event
 * loop: a signer holding only the signing key, the access-token issuer and the JWKS, encoded once. Building it
 * loads every key into vertx-auth-jwt before any event loop uses the set. The per-event-loop parts (the verified
 * token cache, minted upstream tokens) get a verifier or signer of their own.
 */
public final class Tokens {
  public static final String JWKS_PATH = ReservedPaths.WELL_KNOWN + "/jwks.json";

  private final TokensConfig config;
  private final TokenKeys keys;
  private final TokenSigner signer;
  private final AccessTokenIssuer issuer;
  private final Buffer jwks;
  private final Clock clock;

  public Tokens(TokensConfig config, TokenKeys keys, Clock clock) {
    this.config = config;
    this.keys = keys;
    this.clock = clock;
    newVerifier(); // a key vertx-auth-jwt refuses fails the load, not the first request
    this.signer = new TokenSigner(keys.signing());
    this.issuer = new AccessTokenIssuer(signer, config, clock);
    this.jwks = jwks(keys).toBuffer();
  }

  public TokenKeys keys() {
    return keys;
  }

  public AccessTokenIssuer issuer() {
    return issuer;
  }

  /**
   * Minted upstream tokens for one event loop, with a signer of its own: a vertx-auth-jwt provider signs one
   * token at a time, and event loops should not wait for each other.
   */
  public UpstreamTokens newUpstreamTokens() {
    return new UpstreamTokens(new TokenSigner(keys.signing()), config.issuer(), clock);
  }

  /** A cache for one event loop, with a verifier of its own, for the same reason. */
  public VerifiedTokenCache newCache(Metrics metrics) {
    metrics.tokenRejectionReasons(TokenRejection.Reason.values());
    return new VerifiedTokenCache(newVerifier(), config.verifiedCacheSize(), clock, metrics);
  }

  private TokenVerifier newVerifier() {
    return new TokenVerifier(keys.all(), config.issuer(), config.audience(), config.clockLeewaySeconds(), clock);
  }

  /** The public keys (never HS256 secrets) as a JWK Set. */
  public static JsonObject jwks(TokenKeys keys) {
    JsonArray published = new JsonArray();
    for (TokenKey key : keys.all()) {
      if (key.publicJwk() != null) {
        published.add(key.publicJwk().copy());
      }
    }
    return new JsonObject().put("keys", published);
  }

  /** The JWK Set as served at {@link #JWKS_PATH}, encoded once. */
  public Buffer jwks() {
    return jwks;
  }

  public int jwksMaxAgeSeconds() {
    return config.jwksMaxAgeSeconds();
  }
}
