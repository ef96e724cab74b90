package dev.bffgateway.proxy;

import dev.bffgateway.auth.Failures;
import dev.bffgateway.auth.Refresher;
import dev.bffgateway.auth.RequestAuthenticator.Authenticated;
import dev.bffgateway.config.AuthMode;
import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.web.Exchange;
import dev.bffgateway.web.Target;
import dev.bffgateway.web.ErrorResponses;
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
 * A configured route on one event loop: checks the method, finds and authorizes the user, then hands the
 * exchange to the route's {@link Forwarder}.
 */
public final class ProxyRoute implements Target.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyRoute.class);

  private final RouteConfig route;
  private final Forwarder forwarder;
  private final String allowed;
  private final RouteServices services;

  public ProxyRoute(RouteConfig route, ProxyConfig proxyConfig, HttpClient client, UpstreamPools pools, RouteServices services,
                    Metrics.RouteMeters meters) {
    this.route = route;
    this.services = services;
    this.allowed = route.methods().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    UpstreamHeaders headers = new UpstreamHeaders(route, services.cors().enabled(), new UpstreamIdentity(route, services.cookies()));
    this.forwarder = new Forwarder(route, proxyConfig, client, pools, headers, meters);
  }

  @Override
  public void handle(HttpServerRequest request, Exchange exchange) {
    if (!route.allows(request.method())) {
      request.response().putHeader(HttpHeaders.ALLOW, allowed);
      ErrorResponses.send(request.response(), 405, "Method " + request.method().name() + " is not allowed on " + route.path());
      return;
    }
    if (route.auth() == AuthMode.NONE) {
      forwarder.forward(request, exchange.path(), null, null);
      return;
    }
    whenReady(request, services.authenticator().authenticate(request), caller -> {
      caller.applyCookies(request.response());
      if (caller.user() != null) {
        exchange.identify(caller.user().subject());
      }
      authorize(request, exchange, caller);
    });
  }

  /**
   * Goes on with what a pending step yields (the user, a provider's token), or refuses the request. A body is
   * held meanwhile (a refresh, a revocation check or a provider refresh may take a while); the forwarder or the
   * refusal resumes it.
   */
  private <T> void whenReady(HttpServerRequest request, Future<T> pending, Consumer<T> next) {
    if (!pending.isComplete() && Forwarder.carriesBody(request)) {
      request.pause();
    }
    pending.onComplete(result -> {
      if (result.failed()) {
        refuse(request, result.cause());
        return;
      }
      try {
        next.accept(result.result());
      } catch (RuntimeException fault) {
        // After a wait this runs outside the front door's guard: answer here, or nobody will.
        refuse(request, fault);
      }
    });
  }

  private void authorize(HttpServerRequest request, Exchange exchange, Authenticated caller) {
    if (caller.user() == null && route.auth() == AuthMode.REQUIRED) {
      request.response().putHeader("www-authenticate", "Bearer");
      respond(request, 401, "Not Authenticated");
      return;
    }
    if (caller.user() != null && !caller.user().roles().containsAll(route.roles())) {
      respond(request, 403, "Invalid Role");
      return;
    }
    if (caller.user() != null && !caller.user().permissions().containsAll(route.permissions())) {
      respond(request, 403, "Invalid Permission");
      return;
    }
    String csrfRefusal = caller.viaCookie() ? services.csrf().refusal(request) : null;
    if (csrfRefusal != null) {
      LOG.debug("route {}: CSRF check refused the request: {}", route.id(), csrfRefusal);
      respond(request, 403, "Cross-site request refused");
      return;
    }
    if (route.relaysProviderToken()) {
      relayProviderToken(request, exchange, caller);
      return;
    }
    forwarder.forward(request, exchange.path(), caller.user(), caller.user() == null ? null : upstreamToken(caller));
  }

  /** The provider's access token of the caller's sign-in (its family, the token's sid), or a refusal: fail closed. */
  private void relayProviderToken(HttpServerRequest request, Exchange exchange, Authenticated caller) {
    String familyId = caller.user().claims().getString("sid");
    if (familyId == null) {
      request.response().putHeader("www-authenticate", "Bearer");
      respond(request, 401, "This route needs a sign-in with an identity provider");
      return;
    }
    whenReady(request, services.providerGrants().accessToken(familyId, services.oidcClients()), token -> {
      forwarder.forward(request, exchange.path(), caller.user(), token);
    });
  }

  private String upstreamToken(Authenticated caller) {
    RouteConfig.UpstreamToken minted = route.upstreamToken();
    return minted == null ? caller.token()
      : services.upstreamTokens().tokenFor(caller.user(), minted.audience(), minted.ttlSeconds(), minted.claims());
  }

  /** The store or the credential verifier could not answer a needed refresh: a temporary error, nothing lost. */
  private void refuse(HttpServerRequest request, Throwable failure) {
    if (failure instanceof Refresher.FailedAfterRotation spent) {
      // As a header, like every gateway cookie on a proxied route, so the no-store rule of UpstreamHeaders sees it.
      request.response().headers().add(HttpHeaders.SET_COOKIE, services.authenticator().successor(spent.rotation(), request).encode());
      failure = spent.getCause();
    }
    request.resume();
    Failures.send(request.response(), failure);
  }

  private static void respond(HttpServerRequest request, int status, String message) {
    request.resume();
    ErrorResponses.send(request.response(), status, message);
  }
}
