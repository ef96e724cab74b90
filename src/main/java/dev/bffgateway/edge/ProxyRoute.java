package dev.bffgateway.edge;

import dev.bffgateway.edge.RequestAuthenticator.Authenticated;

import dev.bffgateway.auth.Refresher;
import dev.bffgateway.config.AuthMode;
import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.ops.Metrics;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A configured route's handler chain on one event loop: checks the method, finds and authorizes the user and the
 * CSRF rule, then hands the request to the route's {@link RouteProxy}. Refusals go to the router's failure handler.
 */
public final class ProxyRoute implements Target.Route {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyRoute.class);

  private final RouteConfig route;
  private final RouteProxy forwarder;
  private final String allowed;
  private final RouteServices services;

  public ProxyRoute(UpstreamDeadlines deadlines, RouteConfig route, ProxyConfig proxyConfig, HttpClient client, UpstreamConnections connections,
                    RouteServices services, Metrics.RouteMeters meters) {
    this.route = route;
    this.services = services;
    this.allowed = route.methods().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    this.forwarder = new RouteProxy(deadlines, route, proxyConfig, client, connections, services, meters);
  }

  @Override
  public void handle(RoutingContext ctx, Exchange exchange) {
    HttpServerRequest request = ctx.request();
    if (!route.allows(request.method())) {
      request.response().putHeader(HttpHeaders.ALLOW, allowed);
      ctx.fail(new Refusal(405, "Method " + request.method().name() + " is not allowed on " + route.path()));
      return;
    }
    if (route.auth() == AuthMode.NONE) {
      forwarder.forward(ctx, exchange, exchange.path(), null, null);
      return;
    }
    whenReady(ctx, services.authenticator().authenticate(request), caller -> {
      caller.applyCookies(request.response());
      if (caller.user() != null) {
        exchange.identify(caller.user().subject());
      }
      authorize(ctx, exchange, caller);
    });
  }

  /**
   * Goes on with what a pending step yields (the user, a provider's token), or refuses the request. A body is
   * held meanwhile (a refresh, a revocation check or a provider refresh may take a while); the forwarder or the
   * refusal resumes it.
   */
  private <T> void whenReady(RoutingContext ctx, Future<T> pending, Consumer<T> next) {
    HttpServerRequest request = ctx.request();
    if (!pending.isComplete() && UpstreamRequest.carriesBody(request)) {
      request.pause();
    }
    pending.onComplete(result -> {
      if (result.failed()) {
        refuse(ctx, result.cause());
        return;
      }
      try {
        next.accept(result.result());
      } catch (RuntimeException fault) {
        ctx.fail(fault);
      }
    });
  }

  private void authorize(RoutingContext ctx, Exchange exchange, Authenticated caller) {
    HttpServerRequest request = ctx.request();
    if (caller.user() == null && route.auth() == AuthMode.REQUIRED) {
      request.response().putHeader("www-authenticate", "Bearer");
      ctx.fail(new Refusal(401, "Not Authenticated"));
      return;
    }
    if (caller.user() != null && !caller.user().roles().containsAll(route.roles())) {
      ctx.fail(new Refusal(403, "Invalid Role"));
      return;
    }
    if (caller.user() != null && !caller.user().permissions().containsAll(route.permissions())) {
      ctx.fail(new Refusal(403, "Invalid Permission"));
      return;
    }
    String csrfRefusal = caller.viaCookie() ? services.csrf().refusal(request) : null;
    if (csrfRefusal != null) {
      LOG.debug("route {}: CSRF check refused the request: {}", route.id(), csrfRefusal);
      ctx.fail(new Refusal(403, "Cross-site request refused"));
      return;
    }
    if (route.relaysProviderToken()) {
      relayProviderToken(ctx, exchange, caller);
      return;
    }
    forwarder.forward(ctx, exchange, exchange.path(), caller.user(), caller.user() == null ? null : upstreamToken(caller));
  }

  /** The provider's access token of the caller's sign-in (its family, the token's sid), or a refusal: fail closed. */
  private void relayProviderToken(RoutingContext ctx, Exchange exchange, Authenticated caller) {
    String familyId = caller.user().claims().getString("sid");
    if (familyId == null) {
      ctx.response().putHeader("www-authenticate", "Bearer");
      ctx.fail(new Refusal(401, "This route needs a sign-in with an identity provider"));
      return;
    }
    whenReady(ctx, services.providerGrants().accessToken(familyId, services.oidcClients()), token -> {
      forwarder.forward(ctx, exchange, exchange.path(), caller.user(), token);
    });
  }

  private String upstreamToken(Authenticated caller) {
    RouteConfig.UpstreamToken minted = route.upstreamToken();
    return minted == null ? caller.token()
      : services.upstreamTokens().tokenFor(caller.user(), minted.audience(), minted.ttlSeconds(), minted.claims());
  }

  /** The store or the credential verifier could not answer a needed refresh: a temporary error, nothing lost. */
  private void refuse(RoutingContext ctx, Throwable failure) {
    if (failure instanceof Refresher.FailedAfterRotation spent) {
      // As a header, like every gateway cookie on a proxied route, so the no-store rule of UpstreamHeaders sees it.
      ctx.response().headers().add(HttpHeaders.SET_COOKIE, services.authenticator().successor(spent.rotation(), ctx.request()).encode());
      failure = spent.getCause();
    }
    ctx.fail(failure);
  }
}
