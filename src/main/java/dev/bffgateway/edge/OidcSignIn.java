package dev.bffgateway.edge;

import dev.bffgateway.auth.OidcClient;
import dev.bffgateway.auth.ProviderGrant;
import dev.bffgateway.auth.ProviderGrants;

import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.credentials.DottedPath;
import dev.bffgateway.credentials.UserAccount;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.store.StoreUnavailableException;
import dev.bffgateway.token.OpaqueTokens;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
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

/**
 * Sign-in with an OpenID Connect provider, as a confidential client using the authorization code flow with
 * PKCE (S256): {@code GET /auth/{name}?returnUrl=...} sends the browser to the provider, and
 * {@code GET /auth/{name}/callback} checks what comes back (state bound to this browser by a short-lived cookie,
 * issuer, the ID token's signature, audience, expiry and nonce) before the user is signed in like any other,
 * the provider's grant kept with the new family. The flow's state lives in the session store for ten minutes and
 * is used once. Also the provider's logout: RP-initiated ({@code GET /auth/{name}/logout}) and back-channel.
 * One per provider per event loop.
 */
final class OidcSignIn {
  private static final Logger LOG = LoggerFactory.getLogger(OidcSignIn.class);
  private static final String FLOW_COOKIE = "bff-oidc";
  private static final long FLOW_SECONDS = 600;
  private static final long LOGOUT_TOKEN_MAX_AGE_SECONDS = 300;
  private static final String BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

  /** What a provider's sign-in and logout need of the gateway's own sign-in state. */
  interface Host {
    /** Signs the user in like a password sign-in, keeping the provider's grant with the new family; redirects. */
    void signedIn(RoutingContext ctx, UserAccount account, ProviderGrant grant, String returnUrl);

    /** The family of the browser's sign-in (session or refresh cookie), or null. */
    Future<String> familyOf(RoutingContext ctx);

    /** Ends the browser's sign-in as {@code /auth/logout} does, without answering. */
    Future<Void> signOut(RoutingContext ctx);

    /** Back-channel logout by provider session: ends these families. */
    Future<Void> endFamilies(List<String> familyIds);

    /** Back-channel logout by subject: ends every device of the user. */
    Future<Void> endSubject(String subject);
  }

  private final OidcClient client;
  private final OidcConfig config;
  private final Sessions sessions;
  private final GatewayCookies cookies;
  private final ProviderGrants grants;
  private final boolean keepTokens;
  private final Host host;

  /** @param keepTokens whether a route relays provider tokens: if none does, only the ID token is kept */
  OidcSignIn(OidcClient client, Sessions sessions, GatewayCookies cookies, ProviderGrants grants, boolean keepTokens, Host host) {
    this.client = client;
    this.config = client.config();
    this.sessions = sessions;
    this.cookies = cookies;
    this.grants = grants;
    this.keepTokens = keepTokens;
    this.host = host;
  }

  /** @param logoutCrossSiteRefused the cross-site check of every logout route, made on GET too */
  void mount(Router router, BodyHandler body, Handler<RoutingContext> logoutCrossSiteRefused) {
    String base = ReservedPaths.AUTH + "/" + config.name();
    router.get(base).handler(this::start);
    router.get(base + "/callback").handler(this::callback);
    router.get(base + "/logout").handler(logoutCrossSiteRefused).handler(this::logout);
    router.post(base + "/backchannel-logout").handler(body).handler(this::backchannelLogout);
  }

  /**
   * RP-initiated logout: ends the gateway's sign-in as {@code /auth/logout} does, then sends the browser to the
   * provider's end_session_endpoint with the ID token as hint, so that the user is signed out there too. Without
   * such an endpoint, or for a sign-in that was not the provider's, straight to the post-logout page.
   */
  private void logout(RoutingContext ctx) {
    String afterLogout = config.postLogoutRedirectUri() != null ? config.postLogoutRedirectUri()
      : ctx.request().scheme() + "://" + ctx.request().authority() + "/";
    host.familyOf(ctx)
      .compose(familyId -> familyId == null ? Future.<ProviderGrant>succeededFuture() : grants.stored(familyId))
      .compose(grant -> host.signOut(ctx).map(done -> grant))
      // This event loop may not have discovered the provider yet; if it cannot now, the gateway's logout stands.
      .compose(grant -> grant == null || grant.idToken() == null || !config.name().equals(grant.provider()) ? Future.succeededFuture(afterLogout)
        : client.provider().map(found -> client.endSessionUrl(grant.idToken(), afterLogout)).otherwise((String) null)
          .map(endSession -> endSession != null ? endSession : afterLogout))
      .onSuccess(location -> ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, location).end())
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  /**
   * OpenID Connect Back-Channel Logout: the provider posts a signed {@code logout_token} for a user who signed
   * out there. With a {@code sid}, the gateway sign-ins made in that provider session end; with only a
   * {@code sub}, every device of that user (families revoked, access tokens refused within the revocation
   * window). Only a token verified locally against the provider's keys counts.
   */
  private void backchannelLogout(RoutingContext ctx) {
    String logoutToken = ctx.request().getFormAttribute("logout_token");
    if (logoutToken == null || logoutToken.isEmpty()) {
      ErrorResponses.send(ctx.response(), 400, "logout_token is required");
      return;
    }
    client.verify(logoutToken).onComplete(verified -> {
      JsonObject claims = verified.succeeded() ? verified.result() : null;
      String refusal = claims == null ? "logout_token is not valid" : logoutTokenRefusal(claims);
      if (refusal != null) {
        LOG.info("{}: back-channel logout refused: {}", config.name(), refusal);
        ErrorResponses.send(ctx.response(), 400, refusal);
        return;
      }
      String sid = claims.getString("sid");
      Future<Void> ended = sid != null
        ? grants.familiesOfProviderSession(config.name() + "|" + sid).compose(host::endFamilies)
        : host.endSubject(config.name() + "|" + claims.getString("sub"));
      ended.onSuccess(done -> {
        grants.logoutTokenDone(config.name(), claims.getString("jti"), (claims.getLong("iat") + LOGOUT_TOKEN_MAX_AGE_SECONDS) * 1000);
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store").setStatusCode(200).end();
      }).onFailure(failure -> Failures.send(ctx.response(), failure));
    });
  }

  /** The checks of Back-Channel Logout 1.0 section 2.6 that Vert.x's JWT validation (signature, aud, exp) leaves. */
  private String logoutTokenRefusal(JsonObject claims) {
    if (!OidcClient.withoutTrailingSlash(config.issuer()).equals(OidcClient.withoutTrailingSlash(String.valueOf(claims.getValue("iss"))))) {
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
    // Fresh only, and once: a logout_token replayed later must not end the user's sign-ins made since.
    if (Math.abs(grants.now() / 1000 - iat.longValue()) > LOGOUT_TOKEN_MAX_AGE_SECONDS) {
      return "logout_token is too old";
    }
    if (!(claims.getValue("sub") instanceof String) && !(claims.getValue("sid") instanceof String)) {
      return "logout_token has neither sub nor sid";
    }
    if (!(claims.getValue("jti") instanceof String jti)) {
      return "logout_token has no jti";
    }
    return grants.logoutTokenUsed(config.name(), jti) ? "logout_token was already used" : null;
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
    client.provider()
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
      .onFailure(failure -> refuse(ctx, failure));
  }

  private void callback(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String flowId = GatewayCookies.read(request, FLOW_COOKIE);
    ctx.response().addCookie(flowCookie("", 0, request));
    if (flowId == null) {
      refuse(ctx, 400, "no_sign_in", "No sign-in with " + config.name() + " is in progress in this browser");
      return;
    }
    sessions.takeFlow(flowId).onComplete(taken -> {
      if (taken.failed()) {
        refuse(ctx, taken.cause());
      } else if (taken.result() == null || !config.name().equals(taken.result().getString("provider"))) {
        refuse(ctx, 400, "sign_in_expired", "The sign-in with " + config.name() + " expired or was already used; start again");
      } else {
        finish(ctx, taken.result());
      }
    });
  }

  private void finish(RoutingContext ctx, JsonObject flow) {
    HttpServerRequest request = ctx.request();
    // State first: a forged link with error=... must not be able to end a sign-in in progress either.
    if (!constantTimeEquals(flow.getString("state"), request.getParam("state"))) {
      refuse(ctx, 400, "state_mismatch", "The sign-in's state does not match this browser's");
      return;
    }
    String error = request.getParam("error");
    if (error != null) {
      String code = error.matches("[a-z_]{1,40}") ? error : "error";
      refuse(ctx, 401, code, "The identity provider refused the sign-in (" + code + ")");
      return;
    }
    String code = request.getParam("code");
    if (code == null || code.isEmpty()) {
      refuse(ctx, 400, "no_code", "The identity provider sent no code");
      return;
    }
    client.provider()
      .onFailure(failure -> refuse(ctx, failure))
      .onSuccess(found -> {
        // Mix-up defence (RFC 9207): an answer from another provider must not be taken for this one's.
        String iss = request.getParam("iss");
        if (iss == null ? client.issuerParameterRequired() : !OidcClient.withoutTrailingSlash(iss).equals(OidcClient.withoutTrailingSlash(config.issuer()))) {
          refuse(ctx, 400, "issuer_mismatch", "The answer did not come from " + config.name());
          return;
        }
        exchange(ctx, flow, code);
      });
  }

  private void exchange(RoutingContext ctx, JsonObject flow, String code) {
    client.exchangeCode(code, flow.getString("redirectUri"), flow.getString("verifier"))
      .onSuccess(user -> signIn(ctx, user, flow))
      .onFailure(failure -> {
        LOG.info("{}: the code exchange failed: {}", config.name(), failure.getMessage());
        refuse(ctx, 401, "code_exchange_failed", "The identity provider did not confirm the sign-in");
      });
  }

  private void signIn(RoutingContext ctx, User user, JsonObject flow) {
    // Vert.x drops an ID token that fails validation (signature, issuer, audience, expiry) and keeps the user:
    // without a valid one, nobody is signed in.
    JsonObject idToken = user.attributes().getJsonObject("idToken");
    if (idToken == null || idToken.getString("sub") == null) {
      refuse(ctx, 401, "invalid_id_token", "The identity provider's ID token is not valid");
      return;
    }
    if (!constantTimeEquals(flow.getString("nonce"), idToken.getString("nonce"))) {
      refuse(ctx, 401, "nonce_mismatch", "The ID token was not issued for this sign-in (nonce)");
      return;
    }
    String sid = idToken.getString("sid");
    ProviderGrant grant = ProviderGrant.of(config.name(), sid == null ? null : config.name() + "|" + sid, user, null, grants.now(), keepTokens);
    host.signedIn(ctx, account(idToken), grant, flow.getString("returnUrl"));
  }

  /**
   * A failed sign-in: the configured error page with {@code ?error=<code>}, or a JSON error. Nothing of the
   * sign-in was created yet.
   */
  private void refuse(RoutingContext ctx, int status, String code, String message) {
    if (config.errorPage() == null) {
      ErrorResponses.send(ctx.response(), status, message);
      return;
    }
    String separator = config.errorPage().contains("?") ? "&" : "?";
    ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, config.errorPage() + separator + "error=" + code).end();
  }

  private void refuse(RoutingContext ctx, Throwable failure) {
    if (failure instanceof StoreUnavailableException) {
      if (config.errorPage() == null) {
        Failures.send(ctx.response(), failure);
      } else {
        LOG.warn("{}: store unavailable during a sign-in: {}", config.name(), failure.getMessage());
        refuse(ctx, 503, "temporarily_unavailable", "The session store is unavailable; try again shortly");
      }
      return;
    }
    LOG.warn("{}: the identity provider is unavailable: {}", config.name(), failure.getMessage());
    refuse(ctx, 502, "provider_unavailable", "The identity provider " + config.name() + " is unavailable");
  }

  /** The provider's user as the gateway's: its subject namespaced by the provider, so it never meets a local user's. */
  private UserAccount account(JsonObject idToken) {
    String subject = config.name() + "|" + idToken.getString("sub");
    String userName = text(idToken, config.userNameClaim());
    return new UserAccount(subject, userName == null ? subject : userName, text(idToken, config.displayNameClaim()),
      text(idToken, config.emailClaim()), DottedPath.strings(idToken, config.rolesClaim()), List.of(), false);
  }

  private static String text(JsonObject claims, String dottedPath) {
    return DottedPath.at(claims, dottedPath) instanceof String text ? text : null;
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

}
