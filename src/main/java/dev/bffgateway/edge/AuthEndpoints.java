package dev.bffgateway.edge;

import dev.bffgateway.edge.RequestAuthenticator.Authenticated;

import dev.bffgateway.auth.ClientSummary;
import dev.bffgateway.auth.OidcClient;
import dev.bffgateway.auth.ProviderGrant;
import dev.bffgateway.auth.ProviderGrants;
import dev.bffgateway.auth.Refresher;
import dev.bffgateway.auth.Revocations;
import dev.bffgateway.auth.SessionUsers;
import dev.bffgateway.auth.SignInThrottle;

import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.config.SessionsConfig;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.credentials.CredentialVerifier;
import dev.bffgateway.credentials.NoPasswordSignIn;
import dev.bffgateway.credentials.UserAccount;
import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.IssuedRefreshToken;
import dev.bffgateway.store.Rotation;
import dev.bffgateway.store.SubjectRevocationStore;
import dev.bffgateway.token.AccessTokenIssuer;
import dev.bffgateway.token.TokenRejection;
import dev.bffgateway.token.VerifiedToken;
import dev.bffgateway.token.VerifiedTokenCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * ServiceStack's JWT auth endpoints: {@code Authenticate} (sign in, current user, logout) and
 * {@code GetAccessToken} (refresh), each at its ServiceStack route and at {@code /api/{Dto}} and
 * {@code /json/reply/{Dto}}. The browser gets the access token in the JSON body and in {@code ss-tok}, the
 * refresh token in the HttpOnly {@code ss-reftok}. Nothing in the store changes on an error.
 */
public final class AuthEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(AuthEndpoints.class);
  private static final String INVALID_CREDENTIALS = "Invalid Username or Password";
  private static final String INVALID_REFRESH_TOKEN = "Refresh token is invalid";
  private static final String CSRF_CHECKED = "bff.csrfChecked";

  /** Everything these endpoints need, built once. */
  public record Dependencies(CredentialVerifier credentials, FamilyStore store, SubjectRevocationStore subjectRevocations,
                             AccessTokenIssuer issuer, Sessions sessions,
                             SessionsConfig sessionsConfig, GatewayCookies cookies, CsrfGuard csrf, boolean accessTokenInBody,
                             long accessTokenTtlSeconds, SignInThrottle throttle, long maxBodyBytes, Clock clock,
                             Metrics metrics, Map<String, OidcClient> oidcClients, ProviderGrants providerGrants,
                             boolean relaysProviderTokens, ClientAddresses clientAddresses, boolean rotatesBodyRefreshTokens) {
  }

  private final Dependencies deps;
  private final VerifiedTokenCache verified;
  private final Refresher refresher;
  private final SessionUsers sessionUsers;
  private final Revocations revocations;

  /** The caches are this event loop's: verified tokens, session users, revocations. */
  public AuthEndpoints(Dependencies deps, VerifiedTokenCache verified, Refresher refresher, SessionUsers sessionUsers,
                       Revocations revocations) {
    this.deps = deps;
    this.verified = verified;
    this.refresher = refresher;
    this.sessionUsers = sessionUsers;
    this.revocations = revocations;
  }

  public void mount(Router router, Vertx vertx) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(deps.maxBodyBytes()).setMergeFormAttributes(false);
    router.route(ReservedPaths.AUTH).handler(AuthEndpoints::noStore);
    router.route(ReservedPaths.AUTH + "/*").handler(AuthEndpoints::noStore);
    OidcSignIn.Host host = new ProviderSignIns();
    for (OidcClient client : deps.oidcClients().values()) {
      new OidcSignIn(client, deps.sessions(), deps.cookies(), deps.providerGrants(), deps.relaysProviderTokens(), host).mount(router, body, this::logoutCrossSiteRefused);
    }
    router.route(ReservedPaths.ACCESS_TOKEN).handler(AuthEndpoints::noStore);
    router.route(ReservedPaths.SESSION_TO_TOKEN).handler(AuthEndpoints::noStore);
    // Sign-in (login CSRF), refresh and logout act on the browser's cookies: cross-site requests may not. Logout's
    // check belongs to its route, so every spelling vertx-web routes there (/auth/logout/, /auth/%6cogout) gets it.
    router.route(ReservedPaths.AUTH + "/logout").handler(this::logoutCrossSiteRefused);
    router.post(ReservedPaths.AUTH).handler(this::crossSiteRefused);
    router.post(ReservedPaths.AUTH + "/:provider").handler(this::crossSiteRefused);
    router.post(ReservedPaths.ACCESS_TOKEN).handler(this::crossSiteRefused);
    router.post(ReservedPaths.SESSION_TO_TOKEN).handler(this::crossSiteRefused);

    router.route(ReservedPaths.AUTH + "/logout").method(HttpMethod.GET).method(HttpMethod.POST).handler(body).handler(this::logout);
    router.get(ReservedPaths.AUTH).handler(this::currentUser);
    router.post(ReservedPaths.AUTH).handler(body).handler(ctx -> authenticate(ctx, null));
    router.post(ReservedPaths.AUTH + "/:provider").handler(body).handler(ctx -> authenticate(ctx, ctx.pathParam("provider")));
    router.post(ReservedPaths.ACCESS_TOKEN).handler(body).handler(this::accessToken);
    router.post(ReservedPaths.SESSION_TO_TOKEN).handler(body).handler(this::sessionToToken);
    for (String prefix : ReservedPaths.DTO_PREFIXES) {
      router.route(prefix + "*").handler(AuthEndpoints::noStore);
      router.post(prefix + "*").handler(this::crossSiteRefused);
      router.get(prefix + "Authenticate").handler(this::currentUser);
      router.post(prefix + "Authenticate").handler(body).handler(ctx -> authenticate(ctx, null));
      router.post(prefix + "GetAccessToken").handler(body).handler(this::accessToken);
      router.post(prefix + "ConvertSessionToToken").handler(body).handler(this::sessionToToken);
    }
  }

  /**
   * Sign-in, refresh and logout are always checked, whatever else the request carries: they set or spend the
   * browser's cookies. A cross-origin SPA's origin belongs in csrf.trustedOrigins (and cors.allowedOrigins).
   */
  private void crossSiteRefused(RoutingContext ctx) {
    crossSiteRefused(ctx, ctx.request().method() != HttpMethod.GET);
  }

  /** Logout is checked even as a GET: a cross-site link or image must not end the user's sessions. */
  private void logoutCrossSiteRefused(RoutingContext ctx) {
    crossSiteRefused(ctx, true);
  }

  private void crossSiteRefused(RoutingContext ctx, boolean actsOnState) {
    // Only a check that was made counts as made: a GET waved through here still meets logout's own check.
    if (!actsOnState || ctx.get(CSRF_CHECKED) != null) {
      ctx.next();
      return;
    }
    ctx.put(CSRF_CHECKED, true);
    String refusal = deps.csrf().refusal(ctx.request(), true);
    if (refusal == null) {
      ctx.next();
    } else {
      LOG.debug("CSRF check refused {}: {}", ctx.request().path(), refusal);
      ErrorResponses.send(ctx.response(), 403, "Cross-site request refused");
    }
  }

  /** Tokens must never sit in a shared or browser cache. */
  private static void noStore(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("pragma", "no-cache");
    ctx.next();
  }

  /** The request's DTO, or null after answering 400. */
  private static JsonObject dtoOrBadRequest(RoutingContext ctx) {
    try {
      return Dto.read(ctx);
    } catch (Dto.BadRequest e) {
      ErrorResponses.send(ctx.response(), 400, e.getMessage());
      return null;
    }
  }

  // ---- Authenticate ----

  private void authenticate(RoutingContext ctx, String pathProvider) {
    JsonObject dto = dtoOrBadRequest(ctx);
    if (dto == null) {
      return;
    }
    String provider = pathProvider != null ? pathProvider : Optional.ofNullable(Dto.text(dto, "provider")).orElse("credentials");
    switch (provider.toLowerCase(Locale.ROOT)) {
      case "credentials" -> {
        if (deps.credentials() == NoPasswordSignIn.INSTANCE) {
          ErrorResponses.send(ctx.response(), 404, "No configuration was added for OAuth provider 'credentials': "
            + "password sign-in is off (the gateway's configuration names no credentials.usersFile or credentials.http)");
        } else {
          signIn(ctx, dto);
        }
      }
      case "logout" -> logout(ctx);
      default -> ErrorResponses.send(ctx.response(), 404, "No configuration was added for OAuth provider '" + provider + "'");
    }
  }

  private void signIn(RoutingContext ctx, JsonObject dto) {
    String userName = Dto.text(dto, "userName");
    String password = Dto.text(dto, "password");
    JsonArray missing = new JsonArray();
    if (userName == null || userName.isBlank()) {
      missing.add(ErrorResponses.fieldError("NotEmpty", "UserName", "'User Name' must not be empty."));
    }
    if (password == null || password.isEmpty()) {
      missing.add(ErrorResponses.fieldError("NotEmpty", "Password", "'Password' must not be empty."));
    }
    if (!missing.isEmpty()) {
      deps.metrics().signIn("invalid");
      ErrorResponses.send(ctx.response(), 400, ErrorResponses.validationBody(missing));
      return;
    }
    HttpServerRequest request = ctx.request();
    deps.throttle().take(userName, clientAddress(request))
      .compose(attempt -> attempt == null ? Future.failedFuture(new Throttled()) : check(attempt, userName.trim(), password))
      .compose(account -> signedIn(request, account, account.snapshot()))
      .onSuccess(signedIn -> {
        deps.metrics().signIn("success");
        respondSignedIn(ctx, signedIn, Dto.meta(dto));
      })
      .onFailure(failure -> {
        deps.metrics().signIn(failure instanceof BadCredentials ? "bad_credentials" : failure instanceof Throttled ? "throttled" : "unavailable");
        fail(ctx, failure);
      });
  }

  /** The user, once the password is right; a wrong one keeps the attempt's throttling slot, anything else gives it back. */
  private Future<UserAccount> check(SignInThrottle.Attempt attempt, String userName, String password) {
    Future<Optional<UserAccount>> checked = deps.credentials().verify(userName, password);
    return checked.transform(done -> done.succeeded() && done.result().isEmpty() ? Future.failedFuture(new BadCredentials())
      : attempt.giveBack().transform(givenBack -> checked.map(Optional::get)));
  }

  /** @param session the new server session in pure-BFF mode, else null */
  private record SignedIn(UserAccount account, IssuedRefreshToken refresh, Sessions.Held session) {
  }

  /**
   * Pure BFF: a new session for the new family, replacing (and logging out) any session or refresh token the
   * browser had, so that no earlier sign-in stays in charge. When the session cannot be stored, the family that
   * was just issued is revoked, so no half of a sign-in remains.
   */
  private Future<Sessions.Held> startSession(HttpServerRequest request, String subject, String familyId) {
    String previous = GatewayCookies.read(request, deps.cookies().sessionName());
    String previousRefresh = GatewayCookies.read(request, deps.cookies().refreshTokenName());
    return (previous == null ? Future.<Void>succeededFuture() : endSession(previous))
      .compose(ended -> previousRefresh == null ? Future.<Void>succeededFuture() : deps.store().revokeFamilyOf(previousRefresh))
      .compose(ended -> deps.sessions().start(subject, familyId))
      .recover(failure -> deps.store().revokeFamily(familyId).transform(revoked -> Future.failedFuture(failure)));
  }

  /** A new family for the user (its device), and in pure-BFF mode a session for it. */
  private Future<SignedIn> signedIn(HttpServerRequest request, UserAccount account, JsonObject snapshot) {
    return signedIn(request, account, snapshot, familyId -> Future.succeededFuture());
  }

  /**
   * @param withFamily what must be kept with the new family before it is handed out; when that fails, the family
   *                   is revoked, so no half of a sign-in remains
   */
  private Future<SignedIn> signedIn(HttpServerRequest request, UserAccount account, JsonObject snapshot,
                                    Function<String, Future<Void>> withFamily) {
    return deps.store().issue(account.id(), null, snapshot, ClientSummary.of(request.getHeader(HttpHeaders.USER_AGENT)))
      .compose(refresh -> keptWith(refresh, withFamily))
      .compose(refresh -> deps.sessionsConfig().pureBff()
        ? startSession(request, account.id(), refresh.familyId()).map(session -> new SignedIn(account, refresh, session))
        : Future.succeededFuture(new SignedIn(account, refresh, null)));
  }

  /** The new family once what belongs with it is kept; when that fails, the family is revoked and never handed out. */
  private Future<IssuedRefreshToken> keptWith(IssuedRefreshToken refresh, Function<String, Future<Void>> withFamily) {
    return withFamily.apply(refresh.familyId())
      .recover(failure -> deps.store().revokeFamily(refresh.familyId()).transform(revoked -> Future.failedFuture(failure)))
      .map(kept -> refresh);
  }

  /** What OpenID Connect sign-in and logout do to the gateway's own sign-ins. */
  private final class ProviderSignIns implements OidcSignIn.Host {
    /**
     * The provider vouched for the user: signed in as after a password, with the snapshot marked as the
     * provider's (refreshes then keep the provider's word instead of asking the users file) and the provider's
     * grant kept with the family, then redirected.
     */
    @Override
    public void signedIn(RoutingContext ctx, UserAccount account, ProviderGrant grant, String returnUrl) {
      AuthEndpoints.this.signedIn(ctx.request(), account, account.snapshot().put(Refresher.PROVIDER, grant.provider()),
          familyId -> deps.providerGrants().keep(familyId, grant))
        .onSuccess(signedIn -> {
          deps.metrics().signIn("success");
          setSignInCookies(ctx, signedIn, new JsonObject());
          ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, returnUrl).end();
        })
        .onFailure(failure -> {
          deps.metrics().signIn("unavailable");
          fail(ctx, failure);
        });
    }

    @Override
    public Future<String> familyOf(RoutingContext ctx) {
      String sessionId = GatewayCookies.read(ctx.request(), deps.cookies().sessionName());
      String refreshToken = GatewayCookies.read(ctx.request(), deps.cookies().refreshTokenName());
      Future<String> fromSession = sessionId == null ? Future.succeededFuture()
        : deps.sessions().find(sessionId).map(held -> held == null ? null : held.familyId());
      return fromSession.compose(familyId -> familyId != null || refreshToken == null ? Future.succeededFuture(familyId)
        : deps.store().familyOf(refreshToken).map(family -> family == null ? null : family.familyId()));
    }

    @Override
    public Future<Void> signOut(RoutingContext ctx) {
      return AuthEndpoints.this.signOut(ctx);
    }

    @Override
    public Future<Void> endFamilies(List<String> familyIds) {
      return Future.all(familyIds.stream().map(familyId -> deps.store().revokeFamily(familyId).onSuccess(revoked -> {
          revocations.forgetFamily(familyId);
          deps.providerGrants().forget(familyId);
        })).toList())
        .mapEmpty();
    }

    @Override
    public Future<Void> endSubject(String subject) {
      return deps.subjectRevocations().revokeSubject(subject).onSuccess(revoked -> revocations.forget(subject));
    }
  }

  private void respondSignedIn(RoutingContext ctx, SignedIn signedIn, JsonObject meta) {
    UserAccount account = signedIn.account();
    JsonObject body = userBody(account.id(), account.userName(), account.displayName(), account.roles(), account.permissions());
    setSignInCookies(ctx, signedIn, body);
    if (meta != null) {
      body.put("meta", meta);
    }
    json(ctx.response(), body);
  }

  /** The session cookie in pure-BFF mode, else the token cookies (and the access token in the body). */
  private void setSignInCookies(RoutingContext ctx, SignedIn signedIn, JsonObject body) {
    UserAccount account = signedIn.account();
    HttpServerResponse response = ctx.response();
    if (signedIn.session() != null) {
      // Pure BFF: the browser gets the session cookie and nothing else; the tokens stay with the gateway.
      response.addCookie(deps.cookies().session(signedIn.session().id(), deps.sessionsConfig().maxLifetimeSeconds(), ctx.request()));
      response.putHeader("x-cookies", deps.cookies().sessionName());
      for (String tokenCookie : List.of(deps.cookies().accessTokenName(), deps.cookies().refreshTokenName())) {
        if (GatewayCookies.read(ctx.request(), tokenCookie) != null) {
          response.addCookie(deps.cookies().expired(tokenCookie, ctx.request()));
        }
      }
    } else {
      handOutTokens(ctx, deps.issuer().issue(account.identity(), signedIn.refresh().familyId()).token(), signedIn.refresh(), body, "bearerToken");
    }
  }

  /**
   * Sets the access-token cookie and the refresh-token cookie (or puts the refresh token in the body, when it is
   * not to be a cookie), and the access token in the body under {@code accessTokenField} when so configured.
   */
  private void handOutTokens(RoutingContext ctx, String accessToken, IssuedRefreshToken refresh, JsonObject body,
                             String accessTokenField) {
    HttpServerResponse response = ctx.response();
    if (deps.accessTokenInBody()) {
      body.put(accessTokenField, accessToken);
    }
    response.addCookie(deps.cookies().accessToken(accessToken, deps.accessTokenTtlSeconds(), ctx.request()));
    if (deps.cookies().refreshTokenInCookie()) {
      response.addCookie(deps.cookies().refreshToken(refresh.token(), secondsUntil(refresh.expiresAt()), ctx.request()));
      response.putHeader("x-cookies", deps.cookies().accessTokenName() + "," + deps.cookies().refreshTokenName());
    } else {
      body.put("refreshToken", refresh.token()).put("refreshTokenExpiry", Instant.ofEpochMilli(refresh.expiresAt()).toString());
      response.putHeader("x-cookies", deps.cookies().accessTokenName());
    }
  }

  /** Ends a server session and its refresh family. */
  private Future<Void> endSession(String sessionId) {
    sessionUsers.forget(sessionId);
    return deps.sessions().find(sessionId).compose(held -> held == null ? Future.succeededFuture()
      : deps.store().revokeFamily(held.familyId()).compose(revoked -> deps.sessions().end(held.id())));
  }

  // ---- ConvertSessionToToken ----

  private record Converted(Refresher.Minted minted, IssuedRefreshToken refresh) {
  }

  /**
   * ServiceStack's ConvertSessionToToken: a valid session's user gets a new refresh family and the token
   * cookies, as after a token-mode sign-in; the session (and its family) ends unless {@code preserveSession}.
   */
  private void sessionToToken(RoutingContext ctx) {
    JsonObject dto = dtoOrBadRequest(ctx);
    if (dto == null) {
      return;
    }
    boolean preserve = "true".equalsIgnoreCase(Dto.text(dto, "preserveSession"));
    HttpServerRequest request = ctx.request();
    String sessionId = GatewayCookies.read(request, deps.cookies().sessionName());
    if (sessionId == null) {
      notAuthenticated(ctx);
      return;
    }
    sessionUsers.liveFamily(sessionId)
      .compose(family -> family == null ? Future.<Converted>succeededFuture() : refresher.mint(family).compose(minted -> minted == null
        ? Future.<Converted>succeededFuture()
        : deps.store().issue(minted.account().id(), null, minted.account().snapshot(), ClientSummary.of(request.getHeader(HttpHeaders.USER_AGENT)))
          // The session ends (unless preserved): its provider grant, if any, goes with the user to the new family.
          .compose(refresh -> preserve ? Future.succeededFuture(refresh)
            : keptWith(refresh, newFamily -> deps.providerGrants().move(family.familyId(), newFamily)))
          .map(refresh -> new Converted(minted, refresh))))
      .compose(converted -> converted == null || preserve ? Future.succeededFuture(converted) : endSession(sessionId).map(converted))
      .onSuccess(converted -> {
        if (converted == null) {
          sessionUsers.forget(sessionId);
          ctx.response().addCookie(deps.cookies().expired(deps.cookies().sessionName(), request));
          notAuthenticated(ctx);
          return;
        }
        JsonObject body = new JsonObject();
        // Bound to the new family, which the new cookies belong to, not to the session's.
        String accessToken = deps.issuer().issue(converted.minted().account().identity(), converted.refresh().familyId()).token();
        handOutTokens(ctx, accessToken, converted.refresh(), body, "accessToken");
        if (!preserve) {
          ctx.response().addCookie(deps.cookies().expired(deps.cookies().sessionName(), request));
        }
        JsonObject meta = Dto.meta(dto);
        if (meta != null) {
          body.put("meta", meta);
        }
        json(ctx.response(), body);
      })
      .onFailure(failure -> fail(ctx, failure));
  }

  private static void notAuthenticated(RoutingContext ctx) {
    ErrorResponses.send(ctx.response().putHeader("www-authenticate", "Bearer"), 401, "Not Authenticated");
  }

  private void currentUser(RoutingContext ctx) {
    String token = accessTokenOf(ctx.request());
    String sessionId = token == null ? GatewayCookies.read(ctx.request(), deps.cookies().sessionName()) : null;
    if (sessionId != null) {
      sessionUsers.find(sessionId).onComplete(found -> {
        if (found.failed()) {
          fail(ctx, found.cause());
        } else if (found.result() == null) {
          ctx.response().addCookie(deps.cookies().expired(deps.cookies().sessionName(), ctx.request()));
          notAuthenticated(ctx);
        } else {
          json(ctx.response(), userBody(found.result().user()));
        }
      });
      return;
    }
    if (token == null) {
      notAuthenticated(ctx);
      return;
    }
    VerifiedToken user;
    try {
      user = verified.verify(token);
    } catch (TokenRejection rejection) {
      LOG.debug("current user: token rejected ({})", rejection.reason());
      ErrorResponses.send(ctx.response().putHeader("www-authenticate", "Bearer error=\"invalid_token\""), 401,
        rejection.clientMessage());
      return;
    }
    // A token of a device that logged out, or of a user logged out everywhere, is no user, here as on routes.
    revocations.stillValid(user).onSuccess(valid -> {
      if (valid) {
        json(ctx.response(), userBody(user));
      } else {
        ErrorResponses.send(ctx.response().putHeader("www-authenticate", "Bearer error=\"invalid_token\""), 401,
          "Token has been invalidated");
      }
    });
  }

  /** {@code Authorization: Bearer} first, else the access-token cookie. */
  private String accessTokenOf(HttpServerRequest request) {
    String bearer = RequestAuthenticator.bearerToken(request);
    return bearer != null ? bearer : GatewayCookies.read(request, deps.cookies().accessTokenName());
  }

  // ---- GetAccessToken ----

  private void accessToken(RoutingContext ctx) {
    JsonObject dto = dtoOrBadRequest(ctx);
    if (dto == null) {
      return;
    }
    String fromBody = Dto.text(dto, "refreshToken");
    boolean inBody = fromBody != null && !fromBody.isEmpty();
    String token = inBody ? fromBody : GatewayCookies.read(ctx.request(), deps.cookies().refreshTokenName());
    if (token == null) {
      refreshRefused(ctx);
      return;
    }
    // A body token is kept, as ServiceStack's are, unless configured otherwise: ServiceStack's clients never
    // take a successor from GetAccessTokenResponse, so rotating theirs would end the sign-in at the next refresh.
    refresher.refresh(token, !inBody || deps.rotatesBodyRefreshTokens()).onComplete(refreshed -> {
      if (refreshed.succeeded() && refreshed.result() == null) {
        refreshRefused(ctx);
      } else if (refreshed.succeeded()) {
        respondRefreshed(ctx, refreshed.result(), inBody, Dto.meta(dto));
      } else {
        Throwable failure = refreshed.cause();
        if (failure instanceof Refresher.FailedAfterRotation spent && !inBody) {
          setSuccessorCookie(ctx, spent.rotation());
          failure = spent.getCause();
        }
        fail(ctx, failure);
      }
    });
  }

  private void setSuccessorCookie(RoutingContext ctx, Rotation rotation) {
    if (rotation.newToken() != null && deps.cookies().refreshTokenInCookie()) {
      ctx.response().addCookie(deps.cookies().refreshToken(rotation.newToken(), secondsUntil(rotation.record().expiresAt()), ctx.request()));
    }
  }

  /** @param inBody whether the refresh token came in the body: its successor, if any, goes back there, not to a cookie */
  private void respondRefreshed(RoutingContext ctx, Refresher.Refreshed refreshed, boolean inBody, JsonObject meta) {
    Rotation rotation = refreshed.rotation();
    AccessTokenIssuer.Issued access = refreshed.access();
    if (!inBody) {
      setSuccessorCookie(ctx, rotation);
    }
    HttpServerResponse response = ctx.response();
    response.addCookie(deps.cookies().accessToken(access.token(), deps.accessTokenTtlSeconds(), ctx.request()));
    JsonObject body = new JsonObject();
    if (deps.accessTokenInBody()) {
      body.put("accessToken", access.token());
    }
    if (rotation.newToken() != null && (inBody || !deps.cookies().refreshTokenInCookie())) {
      body.put("refreshToken", rotation.newToken())
        .put("refreshTokenExpiry", Instant.ofEpochMilli(rotation.record().expiresAt()).toString());
    }
    if (meta != null) {
      body.put("meta", meta);
    }
    json(response, body);
  }

  private void refreshRefused(RoutingContext ctx) {
    deps.cookies().clearedTokens(ctx.request()).forEach(ctx.response()::addCookie);
    ErrorResponses.send(ctx.response(), 401, INVALID_REFRESH_TOKEN);
  }

  // ---- Logout ----

  private void logout(RoutingContext ctx) {
    signOut(ctx).onSuccess(done -> json(ctx.response(), new JsonObject())).onFailure(failure -> fail(ctx, failure));
  }

  /**
   * Ends the client's sign-in (the refresh family of its refresh token, else of its access token, or its session;
   * with {@code everywhere=true} all of the user's) and clears its cookies. When the family could not be revoked,
   * only the access token is dropped: the refresh and session cookies stay so that the client's retry (after
   * Retry-After) can still end them instead of leaving them valid for days.
   */
  private Future<Void> signOut(RoutingContext ctx) {
    String fromBody = ctx.request().method() == HttpMethod.POST ? bodyRefreshToken(ctx) : null;
    String token = fromBody != null ? fromBody : GatewayCookies.read(ctx.request(), deps.cookies().refreshTokenName());
    String sessionId = GatewayCookies.read(ctx.request(), deps.cookies().sessionName());
    Future<Sessions.Held> session = sessionId == null ? Future.succeededFuture() : deps.sessions().find(sessionId);
    Future<Void> revoked = session.compose(held -> "true".equals(ctx.request().getParam("everywhere"))
      ? subjectOf(ctx.request(), token, held).compose(subject -> subject == null ? Future.succeededFuture() : deps.subjectRevocations().revokeSubject(subject))
      : token != null ? deps.store().revokeFamilyOf(token)
      : held == null ? revokeFamilyOfAccessToken(ctx.request()) : Future.succeededFuture())
      .compose(done -> sessionId == null ? Future.<Void>succeededFuture() : endSession(sessionId));
    return revoked.onSuccess(done -> {
      forgetLocally(ctx.request());
      clearCookies(ctx);
    }).onFailure(failure -> ctx.response().addCookie(deps.cookies().expired(deps.cookies().accessTokenName(), ctx.request())));
  }

  /**
   * A client that keeps its tokens in memory (a ServiceStack service client) logs out with only its access token:
   * the family its {@code sid} names ends, as if its refresh token had been sent.
   */
  private Future<Void> revokeFamilyOfAccessToken(HttpServerRequest request) {
    String familyId = familyOf(verifiedAccessToken(request));
    return familyId == null ? Future.succeededFuture() : deps.store().revokeFamily(familyId);
  }

  /**
   * Whose sessions "log out everywhere" ends: the refresh token's family's subject, else the server session's,
   * else the access token's. Only a live family counts: a token that was logged out cannot end the user's other
   * sign-ins.
   */
  private Future<String> subjectOf(HttpServerRequest request, String refreshToken, Sessions.Held session) {
    Future<String> fromFamily = refreshToken == null ? Future.succeededFuture()
      : deps.store().familyOf(refreshToken).compose(family -> family == null ? Future.succeededFuture() : liveSubject(family.familyId()));
    return fromFamily.compose(subject -> {
      if (subject != null) {
        return Future.succeededFuture(subject);
      }
      if (session != null) {
        return Future.succeededFuture(session.subject());
      }
      VerifiedToken access = verifiedAccessToken(request);
      if (access == null) {
        return Future.succeededFuture();
      }
      String familyId = familyOf(access);
      return familyId != null ? liveSubject(familyId) : revocations.stillValid(access).map(valid -> valid ? access.subject() : null);
    });
  }

  /** The subject of a family that can still refresh, or null. */
  private Future<String> liveSubject(String familyId) {
    return deps.store().useFamily(familyId).map(family -> family == null ? null : family.subject());
  }

  /** The request's access token when it is valid (signature, issuer, audience, expiry), else null. */
  private VerifiedToken verifiedAccessToken(HttpServerRequest request) {
    String access = accessTokenOf(request);
    try {
      return access == null ? null : verified.verify(access);
    } catch (TokenRejection rejection) {
      return null;
    }
  }

  /** The refresh family (device) an access token was minted for: its {@code sid}. */
  private static String familyOf(VerifiedToken access) {
    return access != null && access.claims().getValue("sid") instanceof String familyId ? familyId : null;
  }

  /** This event loop stops accepting the logged-out access token at once; other loops and instances within the window. */
  private void forgetLocally(HttpServerRequest request) {
    VerifiedToken user = verifiedAccessToken(request);
    if (user == null) {
      return;
    }
    revocations.forget(user.subject());
    String familyId = familyOf(user);
    if (familyId != null) {
      revocations.forgetFamily(familyId);
    }
  }

  private static String bodyRefreshToken(RoutingContext ctx) {
    try {
      return Dto.text(Dto.read(ctx), "refreshToken");
    } catch (Dto.BadRequest e) {
      return null;
    }
  }

  private void clearCookies(RoutingContext ctx) {
    deps.cookies().cleared(ctx.request()).forEach(ctx.response()::addCookie);
  }

  // ---- shared ----

  private static JsonObject userBody(VerifiedToken user) {
    JsonObject claims = user.claims();
    return userBody(user.subject(), claims.getString("preferred_username"), claims.getString("name"), user.roles(), user.permissions());
  }

  private static JsonObject userBody(String userId, String userName, String displayName, List<String> roles,
                                     List<String> permissions) {
    JsonObject body = new JsonObject().put("userId", userId);
    if (userName != null) {
      body.put("userName", userName);
    }
    if (displayName != null) {
      body.put("displayName", displayName);
    }
    return body.put("roles", new JsonArray(roles)).put("permissions", new JsonArray(permissions));
  }

  private long secondsUntil(long epochMillis) {
    return Math.max(0, (epochMillis - deps.clock().millis()) / 1000);
  }

  /** The client's address, behind a trusted proxy the one it forwarded: what sign-in failures are counted by. */
  private String clientAddress(HttpServerRequest request) {
    String address = deps.clientAddresses().of(request).address();
    return address == null ? "unknown" : address;
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, ErrorResponses.JSON).end(body.toBuffer());
  }

  private void fail(RoutingContext ctx, Throwable failure) {
    HttpServerResponse response = ctx.response();
    if (failure instanceof BadCredentials) {
      ErrorResponses.send(response, 401, INVALID_CREDENTIALS);
    } else if (failure instanceof Throttled) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(deps.throttle().window().toSeconds()));
      ErrorResponses.send(response, 429, "Too many failed sign-ins; try again later");
    } else {
      Failures.send(response, failure);
    }
  }

  private static final class BadCredentials extends RuntimeException {
    BadCredentials() {
      super(null, null, false, false);
    }
  }

  private static final class Throttled extends RuntimeException {
    Throttled() {
      super(null, null, false, false);
    }
  }

  /** Request DTOs: JSON or a form post, property names matched case-insensitively as ServiceStack does. */
  static final class Dto {
    static final class BadRequest extends Exception {
      BadRequest(String message) {
        super(message, null, false, false);
      }
    }

    private Dto() {
    }

    static JsonObject read(RoutingContext ctx) throws BadRequest {
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      String mediaType = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
      boolean empty = ctx.body() == null || ctx.body().length() <= 0;
      if (empty && !mediaType.startsWith("multipart/")) {
        return new JsonObject();
      }
      if (mediaType.equals("application/json")) {
        Object json;
        try {
          json = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
        } catch (DecodeException e) {
          throw new BadRequest("The request body is not valid JSON");
        }
        if (!(json instanceof JsonObject object)) {
          throw new BadRequest("The request body must be a JSON object");
        }
        return object;
      }
      if (mediaType.equals("application/x-www-form-urlencoded")) {
        JsonObject form = new JsonObject();
        MultiMap attributes = ctx.request().formAttributes();
        for (String name : attributes.names()) {
          form.put(name, attributes.get(name));
        }
        return form;
      }
      throw new BadRequest("Send the request as application/json or application/x-www-form-urlencoded");
    }

    /** Strings as they are; numbers and booleans as their text, as ServiceStack's binder reads them. */
    static String text(JsonObject dto, String name) {
      Object value = field(dto, name);
      return value instanceof String || value instanceof Number || value instanceof Boolean ? value.toString() : null;
    }

    static JsonObject meta(JsonObject dto) {
      return field(dto, "meta") instanceof JsonObject meta ? meta : null;
    }

    private static Object field(JsonObject dto, String name) {
      Object exact = dto.getValue(name);
      if (exact != null) {
        return exact;
      }
      for (String key : dto.fieldNames()) {
        if (key.equalsIgnoreCase(name)) {
          return dto.getValue(key);
        }
      }
      return null;
    }
  }
}
