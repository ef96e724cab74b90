package dev.bffgateway.edge;

import dev.bffgateway.edge.RequestAuthenticator.Authenticated;

import dev.bffgateway.auth.Revocations;
import dev.bffgateway.auth.SignInThrottle;

import dev.bffgateway.config.AdminConfig;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.store.FamilyInfo;
import dev.bffgateway.store.FamilyStore;
import dev.bffgateway.store.SubjectRevocationStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * "Your devices": {@code GET /auth/sessions} lists the signed-in user's refresh-token families and
 * {@code DELETE /auth/sessions/{id}} ends one of them. With {@code admin.enabled}, users with the admin role
 * may list and revoke anybody's: {@code GET /admin/users/{sub}/sessions}, {@code POST /admin/users/{sub}/revoke}, and
 * lift a user name's sign-in throttling: {@code POST /admin/unlock/{userName}}.
 */
public final class AccountEndpoints {
  private final RequestAuthenticator authenticator;
  private final FamilyStore store;
  private final SubjectRevocationStore subjectRevocations;
  private final GatewayCookies cookies;
  private final CsrfGuard csrf;
  private final Revocations revocations;
  private final SignInThrottle throttle;
  private final AdminConfig admin;

  public AccountEndpoints(RequestAuthenticator authenticator, FamilyStore store, SubjectRevocationStore subjectRevocations,
                          GatewayCookies cookies, CsrfGuard csrf, Revocations revocations, SignInThrottle throttle, AdminConfig admin) {
    this.authenticator = authenticator;
    this.store = store;
    this.subjectRevocations = subjectRevocations;
    this.cookies = cookies;
    this.csrf = csrf;
    this.revocations = revocations;
    this.throttle = throttle;
    this.admin = admin;
  }

  public void mount(Router router) {
    router.get(ReservedPaths.AUTH + "/sessions").handler(ctx -> asUser(ctx, null, this::listOwn));
    router.delete(ReservedPaths.AUTH + "/sessions/:id").handler(ctx -> asUser(ctx, null, this::revokeOwn));
    if (admin.enabled()) {
      router.get(AdminConfig.PATH + "/users/:sub/sessions").handler(ctx -> asUser(ctx, admin.role(), this::listAny));
      router.post(AdminConfig.PATH + "/users/:sub/revoke").handler(ctx -> asUser(ctx, admin.role(), this::revokeAny));
      // By user name, not subject: throttling counts the names typed at sign-in, known users' or not.
      router.post(AdminConfig.PATH + "/unlock/:userName").handler(ctx -> asUser(ctx, admin.role(), this::unlock));
    }
  }

  /** Runs the action for a signed-in caller (with the role, when one is given), CSRF-checked when cookies carry it. */
  private void asUser(RoutingContext ctx, String role, BiConsumer<RoutingContext, Authenticated> action) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    ctx.request().pause();
    authenticator.authenticate(ctx.request()).onComplete(found -> {
      ctx.request().resume();
      if (found.failed()) {
        Failures.send(ctx.response(), found.cause());
        return;
      }
      Authenticated caller = found.result();
      caller.applyCookies(ctx.response());
      if (caller.user() == null) {
        ErrorResponses.send(ctx.response().putHeader("www-authenticate", "Bearer"), 401, "Not Authenticated");
      } else if (role != null && !caller.user().roles().contains(role)) {
        ErrorResponses.send(ctx.response(), 403, "Invalid Role");
      } else if (caller.viaCookie() && csrf.refusal(ctx.request()) != null) {
        ErrorResponses.send(ctx.response(), 403, "Cross-site request refused");
      } else {
        action.accept(ctx, caller);
      }
    });
  }

  private void listOwn(RoutingContext ctx, Authenticated caller) {
    // The current device: the server session's family, else the refresh cookie's.
    String refreshToken = GatewayCookies.read(ctx.request(), cookies.refreshTokenName());
    Future<String> current = caller.familyId() != null || refreshToken == null ? Future.succeededFuture(caller.familyId())
      : store.familyOf(refreshToken).map(family -> family == null ? null : family.familyId());
    current.compose(currentId -> store.families(caller.user().subject()).map(families -> sessions(families, currentId)))
      .onSuccess(body -> json(ctx, body))
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  private void revokeOwn(RoutingContext ctx, Authenticated caller) {
    String id = ctx.pathParam("id");
    store.families(caller.user().subject())
      .compose(families -> {
        if (families.stream().noneMatch(family -> family.familyId().equals(id))) {
          // Somebody else's, or gone: the same answer, so ids cannot be probed.
          ErrorResponses.send(ctx.response(), 404, "No such session");
          return Future.succeededFuture(false);
        }
        return store.revokeFamily(id).map(revoked -> {
          revocations.forgetFamily(id);
          return true;
        });
      })
      .onSuccess(revoked -> {
        if (revoked) {
          json(ctx, new JsonObject());
        }
      })
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  private void listAny(RoutingContext ctx, Authenticated caller) {
    store.families(ctx.pathParam("sub"))
      .onSuccess(families -> json(ctx, sessions(families, null)))
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  private void revokeAny(RoutingContext ctx, Authenticated caller) {
    String subject = ctx.pathParam("sub");
    subjectRevocations.revokeSubject(subject)
      .onSuccess(done -> {
        revocations.forget(subject);
        json(ctx, new JsonObject());
      })
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  private void unlock(RoutingContext ctx, Authenticated caller) {
    throttle.unlock(ctx.pathParam("userName"))
      .onSuccess(done -> json(ctx, new JsonObject()))
      .onFailure(failure -> Failures.send(ctx.response(), failure));
  }

  private static JsonObject sessions(List<FamilyInfo> families, String currentId) {
    JsonArray sessions = new JsonArray();
    for (FamilyInfo family : families) {
      JsonObject session = new JsonObject()
        .put("id", family.familyId())
        .put("createdAt", Instant.ofEpochMilli(family.createdAt()).toString())
        .put("lastUsedAt", Instant.ofEpochMilli(family.lastUsedAt()).toString());
      if (family.client() != null) {
        session.put("client", family.client());
      }
      sessions.add(session.put("current", family.familyId().equals(currentId)));
    }
    return new JsonObject().put("sessions", sessions);
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, ErrorResponses.JSON).end(body.toBuffer());
  }
}
