package dev.bffgateway.config;

/**
 * Connections toward the upstreams.
 *
 * @param poolSize         keep-alive connections per upstream per event loop
 * @param connectTimeoutMs how long to wait for a TCP (and TLS) connection to an upstream
 */
public record ProxyConfig(int poolSize, int connectTimeoutMs) {
}
