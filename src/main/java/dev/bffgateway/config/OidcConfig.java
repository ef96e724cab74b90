package dev.bffgateway.config;

import java.util.List;
import java.util.Set;

/**
 * An OpenID Connect provider users can sign in with at {@code /auth/{name}} (authorization code with PKCE, as a
 * confidential client).
 *
 * @param issuer         discovered through {@code {issuer}/.well-known/openid-configuration}
 * @param scopes         requested scopes; always with {@code openid}
 * @param userNameClaim  the ID-token claim that becomes the user name
 * @param rolesClaim     a dotted path to the roles array in the ID token, such as {@code realm_access.roles}
 * @param returnOrigins  origins besides the gateway's own that {@code returnUrl} may point to
 * @param clientSecret   for {@code client_secret_basic}; null when the client authenticates with a private key
 * @param privateKeyFile a PEM private key (RSA, P-256 or Ed25519) for {@code private_key_jwt}; null with a secret
 * @param redirectUri    the callback URL registered with the provider; null to derive it from each request
 *                       (right unless a proxy in front changes the scheme or host)
 * @param postLogoutRedirectUri where the provider sends the browser after {@code GET /auth/{name}/logout}; null for
 *                       this site's {@code /}
 * @param errorPage      where a failed sign-in sends the browser, with {@code ?error=<code>}; null to answer JSON
 */
public record OidcConfig(String name, String issuer, String clientId, String clientSecret, String privateKeyFile,
                         List<String> scopes, String userNameClaim, String displayNameClaim, String emailClaim,
                         String rolesClaim, Set<String> returnOrigins, String redirectUri, String postLogoutRedirectUri,
                         String errorPage) {
  /** Names that are gateway paths under /auth already. */
  public static final Set<String> RESERVED_NAMES = Set.of("credentials", "logout", "sessions");
}
