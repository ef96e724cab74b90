package dev.bffgateway.auth;

import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.token.OpaqueTokens;
import dev.bffgateway.token.TokenSigner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The gateway as the client of one OpenID provider, on one event loop: discovery, the authorization URL, the
 * token endpoint (code exchange and refresh) and JWT verification against the provider's keys. The client
 * authenticates with its secret ({@code client_secret_basic}) or with a JWT signed by its private key
 * ({@code private_key_jwt}, RFC 7523), a new one for every call.
 */
public final class OidcClient {
  static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final long ASSERTION_SECONDS = 60;

  private final Vertx vertx;
  private final OidcConfig config;
  private final TokenSigner clientKey;
  private final Clock clock;
  private OAuth2Options options;
  private Future<OAuth2Auth> discovered;
  private boolean issuerParameterRequired;

  /** @param clientKey the private_key_jwt key, or null when the client authenticates with its secret */
  OidcClient(Vertx vertx, OidcConfig config, TokenSigner clientKey, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clientKey = clientKey;
    this.clock = clock;
  }

  /** This event loop's clients, by provider name. */
  public static Map<String, OidcClient> forEventLoop(Vertx vertx, List<OidcConfig> providers, Map<String, TokenSigner> clientKeys,
                                                     Clock clock) {
    Map<String, OidcClient> clients = new LinkedHashMap<>();
    providers.forEach(provider -> clients.put(provider.name(), new OidcClient(vertx, provider, clientKeys.get(provider.name()), clock)));
    return Map.copyOf(clients);
  }

  public OidcConfig config() {
    return config;
  }

  /** Discovery on first use, and again after a failure, so that a provider that was down is found once it is up. */
  public Future<OAuth2Auth> provider() {
    if (discovered == null || discovered.failed()) {
      // Vert.x fills these options with the discovered endpoints and keeps them: the assertion is set on them.
      options = new OAuth2Options().setSite(config.issuer()).setClientId(config.clientId()).setClientSecret(config.clientSecret());
      discovered = OpenIDConnectAuth.discover(vertx, options).compose(provider -> issuerParameterAdvertised().map(advertised -> {
        issuerParameterRequired = advertised;
        return provider;
      }));
    }
    return discovered;
  }

  /**
   * Whether the provider said it sends {@code iss} with every authorization response (RFC 9207): then an answer
   * without one is refused too, not only one with another issuer. Vert.x's discovery does not keep this field.
   */
  public boolean issuerParameterRequired() {
    return issuerParameterRequired;
  }

  private Future<Boolean> issuerParameterAdvertised() {
    HttpClient client = vertx.createHttpClient();
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(withoutTrailingSlash(config.issuer())
        + "/.well-known/openid-configuration"))
      .compose(request -> request.send().compose(response -> response.statusCode() == 200 ? response.body()
        : Future.failedFuture("discovery answered " + response.statusCode())))
      .map(body -> body.toJsonObject().getBoolean("authorization_response_iss_parameter_supported", false))
      .eventually(client::close);
  }

  public static String withoutTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public Future<User> exchangeCode(String code, String redirectUri, String verifier) {
    return tokenCall(provider -> provider.authenticate(new Oauth2Credentials()
      .setFlow(OAuth2FlowType.AUTH_CODE)
      .setCode(code)
      .setRedirectUri(redirectUri)
      .setCodeVerifier(verifier)));
  }

  /** A refresh at the token endpoint: the new access token, and a new refresh token when the provider rotates them. */
  Future<User> refresh(String refreshToken) {
    return tokenCall(provider -> provider.refresh(User.create(new JsonObject().put("refresh_token", refreshToken))));
  }

  /** A JWT signed by the provider (a logout_token): its claims, once its signature, audience and expiry hold. */
  public Future<JsonObject> verify(String jwt) {
    return provider().compose(provider -> provider.authenticate(new TokenCredentials(jwt)))
      .map(user -> user.attributes().getJsonObject("accessToken"));
  }

  /** RP-initiated logout, once discovered: the provider's end_session_endpoint with the hint, or null when it has none. */
  public String endSessionUrl(String idToken, String postLogoutRedirectUri) {
    if (options.getLogoutPath() == null) {
      return null;
    }
    JsonObject params = new JsonObject().put("client_id", config.clientId()).put("post_logout_redirect_uri", postLogoutRedirectUri);
    return discovered.result().endSessionURL(User.create(new JsonObject().put("id_token", idToken)), params);
  }

  /**
   * Vert.x sends the options' extra parameters with every token request; the request form is built before the
   * call returns, and this client is confined to one event loop, so each call carries its own assertion.
   */
  private Future<User> tokenCall(Function<OAuth2Auth, Future<User>> call) {
    return provider().compose(provider -> {
      if (clientKey != null) {
        options.setExtraParameters(new JsonObject().put("client_assertion_type", ASSERTION_TYPE).put("client_assertion", assertion()));
      }
      return call.apply(provider);
    });
  }

  private String assertion() {
    long now = clock.millis() / 1000;
    return clientKey.sign(new JsonObject()
      .put("iss", config.clientId())
      .put("sub", config.clientId())
      .put("aud", options.getTokenPath())
      .put("jti", OpaqueTokens.generate())
      .put("iat", now)
      .put("exp", now + ASSERTION_SECONDS));
  }
}
