package dev.bffgateway.config;

import java.nio.file.Path;
import java.util.List;

/** The whole configuration, parsed and validated once; immutable. */
public record GatewayConfig(Path dataDir, ServerConfig server, ProxyConfig proxy, TokensConfig tokens,
                            RefreshTokensConfig refreshTokens, StoreConfig store, CookiesConfig cookies,
                            CredentialsConfig credentials, CsrfConfig csrf, CorsConfig cors, AdminConfig admin,
                            SessionsConfig sessions, WebConfig web, MetricsConfig metrics, List<RouteConfig> routes) {
}
