package dev.bffgateway.config;

import java.nio.file.Path;

/**
 * Connections toward the upstreams.
 *
 * @param poolSize         keep-alive connections per upstream per event loop
 * @param connectTimeoutMs how long to wait for a TCP (and TLS) connection to an upstream
 * @param idleTimeoutSeconds how long an upstream connection may stay idle before the gateway closes it
 * @param trustedCaFile    PEM certificates that https upstreams may chain to instead of the JVM's trust store; or null
 * @param verifyHostname   whether an https upstream's certificate must name the host the route connects to
 * @param maxBufferedBodyBytes largest HTTP/2 request body without content-length that is read whole, so that it goes
 *                         to the HTTP/1.1 upstream with a Content-Length; a larger one gets 413
 */
public record ProxyConfig(int poolSize, int connectTimeoutMs, int idleTimeoutSeconds, Path trustedCaFile,
                          boolean verifyHostname, long maxBufferedBodyBytes) {
}
