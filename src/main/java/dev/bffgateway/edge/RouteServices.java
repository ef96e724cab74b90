package dev.bffgateway.edge;

import dev.bffgateway.token.UpstreamTokens;
import dev.bffgateway.auth.OidcClient;
import dev.bffgateway.auth.ProviderGrants;

import java.util.Map;

/** What the routes of one event loop share: who the user is, CSRF and CORS rules, the gateway's cookie names. */
public record RouteServices(RequestAuthenticator authenticator, CsrfGuard csrf, Cors cors, GatewayCookies cookies,
                            UpstreamTokens upstreamTokens, ProviderGrants providerGrants, Map<String, OidcClient> oidcClients) {
}
