package dev.bffgateway.auth;

import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.credentials.UserAccount;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.token.OpaqueTokens;
import dev.bffgateway.web.ErrorResponses;
import dev.bffgateway.web.GatewayCookies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Sign-in with an OpenID Connect provider, as a confidential client using the authorization code flow with
 * PKCE (S256): {@code GET /auth/{name}?returnUrl=...} sends the browser to the provider, and
 * {@code GET /auth/{name}/callback} checks what comes back (state bound to this browser by a short-lived cookie,
 * issuer, the ID token's signature, audience, expiry and nonce) before the user is signed in like any other.
 * The flow's state lives in the session store for ten minutes and is used once. One per provider per event loop.
 */
final class OidcSignIn {
  private static final Logger LOG = LoggerFactory.getLogger(OidcSignIn.class);
  private static final String FLOW_COOKIE = "bff-oidc";
  private static final long FLOW_SECONDS = 600;
  private static final long LOGOUT_TOKEN_MAX_AGE_SECONDS = 300;
  private static final String BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

  /** Finishes a sign-in whose user the provider vouched for: cookies or session, then a redirect to returnUrl. */
  @FunctionalInterface
  interface Completion {
    void signedIn(RoutingContext ctx, UserAccount account, String provider, String returnUrl);
  }

  private final Vertx vertx;
  private final OidcConfig config;
  private final Sessions sessions;
  private final GatewayCookies cookies;
  private final Completion completion;
  private final Function<String, Future<Void>> logOutEverywhere;
  private Future<OAuth2Auth> discovered;

  /** @param logOutEverywhere ends every device of a user, given the gateway's subject */
  OidcSignIn(Vertx vertx, OidcConfig config, Sessions sessions, GatewayCookies cookies, Completion completion,
             Function<String, Future<Void>> logOutEverywhere) {
    this.vertx = vertx;
    this.config = config;
    this.sessions = sessions;
    this.cookies = cookies;
    this.completion = completion;
    this.logOutEverywhere = logOutEverywhere;
  }

  void mount(Router router, BodyHandler body) {
    router.get(ReservedPaths.AUTH + "/" + config.name()).handler(this::start);
    router.get(ReservedPaths.AUTH + "/" + config.name() + "/callback").handler(this::callback);
    router.post(ReservedPaths.AUTH + "/" + config.name() + "/backchannel-logout").handler(body).handler(this::backchannelLogout);
  }

  /**
   * OpenID Connect Back-Channel Logout: the provider posts a signed {@code logout_token} for a user who signed
   * out there; every device of that user ends here (families revoked, access tokens refused within the
   * revocation window). Only a token verified locally against the provider's keys counts.
   */
  private void backchannelLogout(RoutingContext ctx) {
    String logoutToken = ctx.request().getFormAttribute("logout_token");
    if (logoutToken == null || logoutToken.isEmpty()) {
      ErrorResponses.send(ctx.response(), 400, "logout_token is required");
      return;
    }
    provider()
      .compose(oauth2 -> oauth2.authenticate(new TokenCredentials(logoutToken)))
      .map(user -> user.attributes().getJsonObject("accessToken"))
      .onComplete(verified -> {
        JsonObject claims = verified.succeeded() ? verified.result() : null;
        String refusal = claims == null ? "logout_token is not valid" : logoutTokenRefusal(claims);
        if (refusal != null) {
          LOG.info("{}: back-channel logout refused: {}", config.name(), refusal);
          ErrorResponses.send(ctx.response(), 400, refusal);
          return;
        }
        logOutEverywhere.apply(config.name() + "|" + claims.getString("sub"))
          .onSuccess(done -> ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store").setStatusCode(200).end())
          .onFailure(failure -> Failures.send(ctx.response(), failure));
      });
  }

  /** The checks of Back-Channel Logout 1.0 section 2.6 that Vert.x's JWT validation (signature, aud, exp) leaves. */
  private String logoutTokenRefusal(JsonObject claims) {
    if (!withoutTrailingSlash(config.issuer()).equals(withoutTrailingSlash(String.valueOf(claims.getValue("iss"))))) {
      return "logout_token is from another issuer";
    }
    if (!(claims.getValue("events") instanceof JsonObject events) || !events.containsKey(BACKCHANNEL_LOGOUT_EVENT)) {
      return "logout_token has no back-channel logout event";
    }
    if (claims.containsKey("nonce")) {
      return "logout_token must not have a nonce";
    }
    if (!(claims.getValue("iat") instanceof Number iat)) {
      return "logout_token has no iat";
    }
    // Fresh only: an old logout_token replayed later must not end the user's sign-ins made since.
    if (Math.abs(System.currentTimeMillis() / 1000 - iat.longValue()) > LOGOUT_TOKEN_MAX_AGE_SECONDS) {
      return "logout_token is too old";
    }
    // A sid alone would need the provider's session ids indexed; every device of the user ends instead.
    return claims.getValue("sub") instanceof String ? null : "logout_token without sub is not supported";
  }

  /** Discovery on first use, and again after a failure, so that a provider that was down is found once it is up. */
  private Future<OAuth2Auth> provider() {
    if (discovered == null || discovered.failed()) {
      discovered = OpenIDConnectAuth.discover(vertx, new OAuth2Options()
        .setSite(config.issuer())
        .setClientId(config.clientId())
        .setClientSecret(config.clientSecret()));
    }
    return discovered;
  }

  private void start(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String returnUrl = request.getParam("returnUrl", "/");
    if (!allowedReturnUrl(returnUrl)) {
      ErrorResponses.send(ctx.response(), 400, "returnUrl must be a path on this site or one of its allowed origins");
      return;
    }
    String state = OpaqueTokens.generate();
    String nonce = OpaqueTokens.generate();
    String verifier = OpaqueTokens.generate();
    String redirectUri = redirectUri(request);
    provider()
      .compose(oauth2 -> sessions.startFlow(new JsonObject().put("provider", config.name()).put("state", state).put("nonce", nonce)
          .put("verifier", verifier).put("returnUrl", returnUrl).put("redirectUri", redirectUri), FLOW_SECONDS * 1000)
        .map(flowId -> {
          ctx.response().addCookie(flowCookie(flowId, FLOW_SECONDS, request));
          return oauth2.authorizeURL(new OAuth2AuthorizationURL()
            .setRedirectUri(redirectUri)
            .setScopes(config.scopes())
            .setState(state)
            .setCodeChallenge(challenge(verifier))
            .setCodeChallengeMethod("S256")
            .putAdditionalParameter("nonce", nonce));
        }))
      .onSuccess(url -> ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, url).end())
      .onFailure(failure -> unavailable(ctx, failure));
  }

  private void callback(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String flowId = GatewayCookies.read(request, FLOW_COOKIE);
    ctx.response().addCookie(flowCookie("", 0, request));
    if (flowId == null) {
      ErrorResponses.send(ctx.response(), 400, "No sign-in with " + config.name() + " is in progress in this browser");
      return;
    }
    sessions.takeFlow(flowId).onComplete(taken -> {
      if (taken.failed()) {
        Failures.send(ctx.response(), taken.cause());
      } else if (taken.result() == null || !config.name().equals(taken.result().getString("provider"))) {
        ErrorResponses.send(ctx.response(), 400, "The sign-in with " + config.name() + " expired or was already used; start again");
      } else {
        finish(ctx, taken.result());
      }
    });
  }

  private void finish(RoutingContext ctx, JsonObject flow) {
    HttpServerRequest request = ctx.request();
    // State first: a forged link with error=... must not be able to end a sign-in in progress either.
    if (!constantTimeEquals(flow.getString("state"), request.getParam("state"))) {
      ErrorResponses.send(ctx.response(), 400, "The sign-in's state does not match this browser's");
      return;
    }
    String error = request.getParam("error");
    if (error != null) {
      String code = error.matches("[a-z_]{1,40}") ? error : "error";
      ErrorResponses.send(ctx.response(), 401, "The identity provider refused the sign-in (" + code + ")");
      return;
    }
    String code = request.getParam("code");
    if (code == null || code.isEmpty()) {
      ErrorResponses.send(ctx.response(), 400, "The identity provider sent no code");
      return;
    }
    provider().onComplete(found -> {
      if (found.failed()) {
        unavailable(ctx, found.cause());
        return;
      }
      // Mix-up defence (RFC 9207): an answer from another provider must not be taken for this one's.
      String iss = request.getParam("iss");
      if (iss != null && !withoutTrailingSlash(iss).equals(withoutTrailingSlash(config.issuer()))) {
        ErrorResponses.send(ctx.response(), 400, "The answer came from another identity provider");
        return;
      }
      found.result().authenticate(new Oauth2Credentials()
          .setFlow(OAuth2FlowType.AUTH_CODE)
          .setCode(code)
          .setRedirectUri(flow.getString("redirectUri"))
          .setCodeVerifier(flow.getString("verifier")))
        .onSuccess(user -> signIn(ctx, user, flow))
        .onFailure(failure -> {
          LOG.info("{}: the code exchange failed: {}", config.name(), failure.getMessage());
          ErrorResponses.send(ctx.response(), 401, "The identity provider did not confirm the sign-in");
        });
    });
  }

  private void signIn(RoutingContext ctx, User user, JsonObject flow) {
    // Vert.x drops an ID token that fails validation (signature, issuer, audience, expiry) and keeps the user:
    // without a valid one, nobody is signed in.
    JsonObject idToken = user.attributes().getJsonObject("idToken");
    if (idToken == null || idToken.getString("sub") == null) {
      ErrorResponses.send(ctx.response(), 401, "The identity provider's ID token is not valid");
      return;
    }
    if (!constantTimeEquals(flow.getString("nonce"), idToken.getString("nonce"))) {
      ErrorResponses.send(ctx.response(), 401, "The ID token was not issued for this sign-in (nonce)");
      return;
    }
    completion.signedIn(ctx, account(idToken), config.name(), flow.getString("returnUrl"));
  }

  /** The provider's user as the gateway's: its subject namespaced by the provider, so it never meets a local user's. */
  private UserAccount account(JsonObject idToken) {
    String subject = config.name() + "|" + idToken.getString("sub");
    String userName = text(idToken, config.userNameClaim());
    return new UserAccount(subject, userName == null ? subject : userName, text(idToken, config.displayNameClaim()),
      text(idToken, config.emailClaim()), strings(at(idToken, config.rolesClaim())), List.of(), false);
  }

  private static Object at(JsonObject claims, String dottedPath) {
    Object value = claims;
    for (String part : dottedPath.split("\\.")) {
      if (!(value instanceof JsonObject object)) {
        return null;
      }
      value = object.getValue(part);
    }
    return value;
  }

  private static String text(JsonObject claims, String dottedPath) {
    return at(claims, dottedPath) instanceof String text ? text : null;
  }

  private static List<String> strings(Object value) {
    return value instanceof JsonArray array ? array.stream().filter(String.class::isInstance).map(String.class::cast).toList() : List.of();
  }

  /** Always SameSite=Lax, whatever cookies.sameSite says: it must come back with the provider's cross-site redirect. */
  private Cookie flowCookie(String value, long maxAgeSeconds, HttpServerRequest request) {
    return cookies.cookie(FLOW_COOKIE, value, maxAgeSeconds, callbackPath(), request).setSameSite(CookieSameSite.LAX);
  }

  private String callbackPath() {
    return ReservedPaths.AUTH + "/" + config.name() + "/callback";
  }

  private String redirectUri(HttpServerRequest request) {
    return config.redirectUri() != null ? config.redirectUri() : request.scheme() + "://" + request.authority() + callbackPath();
  }

  /** A path on this site (not //host, which browsers take for another site), or an allowed origin: no open redirect. */
  private boolean allowedReturnUrl(String url) {
    if (url.isEmpty() || url.chars().anyMatch(c -> c < 0x21 || c == '\\' || c == 0x7f)) {
      return false;
    }
    if (url.startsWith("/")) {
      return !url.startsWith("//");
    }
    try {
      URI uri = new URI(url);
      String origin = uri.getScheme() == null || uri.getRawAuthority() == null ? null
        : uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority().toLowerCase(Locale.ROOT);
      return uri.getRawUserInfo() == null && origin != null && config.returnOrigins().contains(origin);
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String withoutTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String challenge(String verifier) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static boolean constantTimeEquals(String expected, String actual) {
    return expected != null && actual != null
      && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
  }

  private void unavailable(RoutingContext ctx, Throwable failure) {
    if (failure instanceof dev.bffgateway.store.StoreUnavailableException) {
      Failures.send(ctx.response(), failure);
      return;
    }
    LOG.warn("{}: the identity provider is unavailable: {}", config.name(), failure.getMessage());
    ErrorResponses.send(ctx.response(), 502, "The identity provider " + config.name() + " is unavailable");
  }
}
