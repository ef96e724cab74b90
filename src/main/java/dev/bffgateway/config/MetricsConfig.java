package dev.bffgateway.config;

/**
 * Prometheus metrics at {@code /metrics}.
 *
 * @param token when set, scrapers must send {@code Authorization: Bearer <token>}; when null, only clients on this
 *              machine (loopback) may scrape
 */
public record MetricsConfig(boolean enabled, String token) {
  public static final String PATH = "/metrics";
}
