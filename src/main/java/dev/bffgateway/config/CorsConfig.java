package dev.bffgateway.config;

import java.util.List;
import java.util.Set;

/**
 * Cross-origin access to the gateway: exact origins only. Preflights are answered by the gateway itself.
 *
 * @param allowedOrigins empty: no cross-origin access at all
 */
public record CorsConfig(Set<String> allowedOrigins, boolean allowCredentials, List<String> allowedMethods,
                         List<String> allowedHeaders, List<String> exposedHeaders, int maxAgeSeconds) {
}
