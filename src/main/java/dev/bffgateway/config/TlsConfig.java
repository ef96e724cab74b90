package dev.bffgateway.config;

import java.nio.file.Path;

/** PEM certificate chain and private key of the HTTPS listener. */
public record TlsConfig(Path certPath, Path keyPath) {
}
