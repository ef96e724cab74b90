package dev.bffgateway.config;

import java.util.List;

/**
 * Access tokens: who issues them, for whom, how long they live, and the keys that sign and verify them.
 *
 * @param audience             empty for tokens without {@code aud}
 * @param keys                 empty: the gateway generates an ES256 key under the data directory and reuses it
 * @param verifiedCacheSize    verified tokens remembered per event loop, so the hot path verifies each once
 * @param accessTokenInBody    whether sign-in and refresh put the access token in the JSON body (besides the cookie)
 * @param revocationCheckSeconds how long a subject's "log out everywhere" time may be cached per event loop
 */
public record TokensConfig(String issuer, List<String> audience, int accessTokenTtlSeconds, int clockLeewaySeconds,
                           int verifiedCacheSize, int jwksMaxAgeSeconds, boolean accessTokenInBody,
                           int revocationCheckSeconds, List<KeyConfig> keys) {
}
