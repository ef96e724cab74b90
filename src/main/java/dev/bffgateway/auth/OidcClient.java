package dev.bffgateway.auth;

import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.token.OpaqueTokens;
import dev.bffgateway.token.TokenSigner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway as the client of one OpenID provider, on one event loop: discovery, the authorization URL, the
 * token endpoint (code exchange and refresh) and JWT verification against the provider's keys. The client
 * authenticates with its secret ({@code client_secret_basic}) or with a JWT signed by its private key
 * ({@code private_key_jwt}, RFC 7523), a new one for every call.
 */
public final class OidcClient {
  static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final long ASSERTION_SECONDS = 60;
  private static final Logger LOG = LoggerFactory.getLogger(OidcClient.class);
  private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d{1,9})\\b");
  /** A JWK Set is read again at most this often, whatever its max-age says. */
  private static final long MIN_KEYS_AGE_MS = 60_000;
  /** After a failed second reading of the keys, the next try waits this long. */
  private static final long KEYS_RETRY_MS = 60_000;
  /**
   * How long discovery waits to connect, and then for each read: a provider that never answers fails the discovery,
   * which the next sign-in tries again, instead of holding every sign-in on a future that never completes.
   */
  private static final long DISCOVERY_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final OidcConfig config;
  private final TokenSigner clientKey;
  private final Clock clock;
  private final long discoveryTimeoutMs;
  private Future<Discovery> discovery;
  /** The last discovery that succeeded; a later one may be under way. */
  private Discovery current;

  /** @param clientKey the private_key_jwt key, or null when the client authenticates with its secret */
  OidcClient(Vertx vertx, OidcConfig config, TokenSigner clientKey, Clock clock) {
    this(vertx, config, clientKey, clock, DISCOVERY_TIMEOUT_MS);
  }

  OidcClient(Vertx vertx, OidcConfig config, TokenSigner clientKey, Clock clock, long discoveryTimeoutMs) {
    this.vertx = vertx;
    this.config = config;
    this.clientKey = clientKey;
    this.clock = clock;
    this.discoveryTimeoutMs = discoveryTimeoutMs;
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

  /**
   * What discovery found. The provider keeps {@code options} and reads the endpoints and the extra parameters
   * from them at every call, so the client assertion of a token call is set on them.
   *
   * @param keysExpireAt when the provider's JWK Set, by its Cache-Control max-age, must be read again (epoch ms)
   */
  private record Discovery(OAuth2Auth provider, OAuth2Options options, boolean issuerParameterRequired, long keysExpireAt) {
  }

  /** The provider, discovered: see {@link #discovery}. */
  public Future<OAuth2Auth> provider() {
    return discovery().map(Discovery::provider);
  }

  /**
   * Whether the provider said it sends {@code iss} with every authorization response (RFC 9207): then an answer
   * without one is refused too, not only one with another issuer. Asked once {@link #provider} has succeeded.
   */
  public boolean issuerParameterRequired() {
    return current.issuerParameterRequired();
  }

  /**
   * Discovery on first use, and again after a failure, so that a provider that was down is found once it is up;
   * and again once the keys are older than the JWK Set's max-age, keeping the old keys for a while if that fails.
   */
  private Future<Discovery> discovery() {
    if (discovery == null || discovery.failed()) {
      discovery = discover().onSuccess(found -> current = found);
    } else if (discovery.succeeded() && clock.millis() >= current.keysExpireAt()) {
      Discovery stale = current;
      discovery = discover().recover(failure -> {
        LOG.warn("{}: reading the provider's keys again failed, the old ones stay for now: {}", config.name(), failure.getMessage());
        return Future.succeededFuture(new Discovery(stale.provider(), stale.options(), stale.issuerParameterRequired(),
          clock.millis() + KEYS_RETRY_MS));
      }).onSuccess(found -> current = found);
    }
    return discovery;
  }

  /**
   * OpenID Connect Discovery, done here rather than by Vert.x's {@code OpenIDConnectAuth.discover}: that one hands
   * every key of the provider's JWK Set to Vert.x, which logs a WARN with a stack trace for each it cannot verify
   * with, and Keycloak publishes an encryption key ({@code "use": "enc"}, RSA-OAEP) beside its signing keys. Only
   * the keys for signatures go to Vert.x; one of those it cannot use is still logged.
   */
  private Future<Discovery> discover() {
    String issuer = withoutTrailingSlash(config.issuer());
    HttpClient client = vertx.createHttpClient();
    return getJson(client, issuer + "/.well-known/openid-configuration").compose(metadata -> {
      String advertised = metadata.getString("issuer");
      if (advertised == null || !withoutTrailingSlash(advertised).equals(issuer)) {
        return Future.failedFuture("the discovery document names the issuer " + advertised + ", not " + issuer);
      }
      OAuth2Options options = new OAuth2Options().setSite(issuer).setClientId(config.clientId()).setClientSecret(config.clientSecret())
        .setAuthorizationPath(metadata.getString("authorization_endpoint"))
        .setTokenPath(metadata.getString("token_endpoint"))
        .setLogoutPath(metadata.getString("end_session_endpoint"))
        .setRevocationPath(metadata.getString("revocation_endpoint"))
        .setUserInfoPath(metadata.getString("userinfo_endpoint"))
        .setIntrospectionPath(metadata.getString("introspection_endpoint"));
      options.getJWTOptions().setIssuer(advertised);
      metadata.getJsonArray("grant_types_supported", new JsonArray()).forEach(type -> options.addSupportedGrantType((String) type));
      boolean issuerParameter = metadata.getBoolean("authorization_response_iss_parameter_supported", false);
      String jwksUri = metadata.getString("jwks_uri");
      if (jwksUri == null) {
        return Future.succeededFuture(new Discovery(OAuth2Auth.create(vertx, options), options, issuerParameter, Long.MAX_VALUE));
      }
      return client.request(discoveryRequest(jwksUri)).compose(request -> request
        .putHeader(HttpHeaders.ACCEPT, "application/jwk-set+json, application/json")
        .send().compose(response -> okBody(jwksUri, response).map(body -> {
          options.setJwks(signingKeys(body.toJsonObject()));
          return new Discovery(OAuth2Auth.create(vertx, options), options, issuerParameter, keysExpireAt(response));
        })));
    }).eventually(client::close);
  }

  /** The keys for verifying signatures: those marked {@code "use": "sig"}, and those not marked at all. */
  static List<JsonObject> signingKeys(JsonObject jwks) {
    return jwks.getJsonArray("keys", new JsonArray()).stream()
      .filter(JsonObject.class::isInstance).map(JsonObject.class::cast)
      .filter(key -> "sig".equals(key.getString("use", "sig")))
      .toList();
  }

  /** Never, unless the JWK Set's Cache-Control has a max-age, as Vert.x would read it again after that. */
  private long keysExpireAt(HttpClientResponse response) {
    for (String cacheControl : response.headers().getAll(HttpHeaders.CACHE_CONTROL)) {
      Matcher maxAge = MAX_AGE.matcher(cacheControl);
      if (maxAge.find()) {
        return clock.millis() + Math.max(MIN_KEYS_AGE_MS, Long.parseLong(maxAge.group(1)) * 1000);
      }
    }
    return Long.MAX_VALUE;
  }

  private Future<JsonObject> getJson(HttpClient client, String url) {
    return client.request(discoveryRequest(url))
      .compose(request -> request.putHeader(HttpHeaders.ACCEPT, "application/json").send())
      .compose(response -> okBody(url, response))
      .map(Buffer::toJsonObject);
  }

  private RequestOptions discoveryRequest(String url) {
    return new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
      .setConnectTimeout(discoveryTimeoutMs).setIdleTimeout(discoveryTimeoutMs);
  }

  private static Future<Buffer> okBody(String url, HttpClientResponse response) {
    return response.statusCode() == 200 ? response.body() : Future.failedFuture(url + " answered " + response.statusCode());
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
    if (current.options().getLogoutPath() == null) {
      return null;
    }
    JsonObject params = new JsonObject().put("client_id", config.clientId()).put("post_logout_redirect_uri", postLogoutRedirectUri);
    return current.provider().endSessionURL(User.create(new JsonObject().put("id_token", idToken)), params);
  }

  /**
   * Vert.x sends the options' extra parameters with every token request; the request form is built before the
   * call returns, and this client is confined to one event loop, so each call carries its own assertion.
   */
  private Future<User> tokenCall(Function<OAuth2Auth, Future<User>> call) {
    return discovery().compose(found -> {
      if (clientKey != null) {
        found.options().setExtraParameters(new JsonObject().put("client_assertion_type", ASSERTION_TYPE)
          .put("client_assertion", assertion(found.options())));
      }
      return call.apply(found.provider());
    });
  }

  private String assertion(OAuth2Options options) {
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
