package dev.bffgateway;

import dev.bffgateway.edge.AccountEndpoints;
import dev.bffgateway.edge.AuthEndpoints;
import dev.bffgateway.auth.OidcClient;
import dev.bffgateway.auth.Refresher;
import dev.bffgateway.edge.RequestAuthenticator;
import dev.bffgateway.auth.SessionUsers;
import dev.bffgateway.auth.Revocations;
import dev.bffgateway.auth.SignInThrottle;
import dev.bffgateway.edge.RouteServices;
import dev.bffgateway.token.VerifiedTokenCache;
import dev.bffgateway.edge.Cors;
import dev.bffgateway.edge.CsrfGuard;
import dev.bffgateway.config.AdminConfig;
import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.config.RouteConfig;
import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.config.ServerConfig;
import dev.bffgateway.config.MetricsConfig;
import dev.bffgateway.edge.AccessLog;
import dev.bffgateway.edge.ClientAddresses;
import dev.bffgateway.edge.Health;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.store.Store;
import dev.bffgateway.edge.MetricsEndpoint;
import dev.bffgateway.edge.Target;
import dev.bffgateway.edge.ProxyRoute;
import dev.bffgateway.edge.RouteTable;
import dev.bffgateway.edge.UpstreamConnections;
import dev.bffgateway.edge.UpstreamDeadlines;
import dev.bffgateway.edge.ErrorResponses;
import dev.bffgateway.edge.FrontDoor;
import dev.bffgateway.edge.GatewayCookies;
import dev.bffgateway.edge.JwksEndpoint;
import dev.bffgateway.edge.RequestGuard;
import dev.bffgateway.edge.StaticFiles;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import dev.bffgateway.config.ProxyConfig;
import dev.bffgateway.config.TlsConfig;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One event loop's share of the gateway: its own upstream connections (pooled by Vert.x's HttpClient), router and
 * instance of the shared listening socket. Everything it uses was built from the configuration before the first
 * request.
 */
final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  private final GatewayConfig initial;
  private final Components initialComponents;
  private final IntConsumer onListening;
  private final AtomicInteger openConnections;
  private HttpClient client;
  private final UpstreamConnections connections = new UpstreamConnections();
  private UpstreamDeadlines deadlines;
  private HttpServer server;
  /** Everything that answers requests, built from one configuration; replaced whole by {@link #reload}. */
  private Handler<HttpServerRequest> router;

  /** @param openConnections client connections open on all of the gateway's event loops, for server.maxConnections */
  GatewayVerticle(GatewayConfig config, Components components, IntConsumer onListening, AtomicInteger openConnections) {
    this.initial = config;
    this.initialComponents = components;
    this.onListening = onListening;
    this.openConnections = openConnections;
  }

  @Override
  public Future<?> start() {
    client = vertx.httpClientBuilder()
      .with(clientOptions(initial.proxy()))
      .with(new PoolOptions().setHttp1MaxSize(initial.proxy().poolSize()))
      .withConnectHandler(FlushBatching::install)
      .build();
    deadlines = new UpstreamDeadlines(vertx, shortestTimeoutMs(initial));
    router = router(initial, initialComponents);

    ServerConfig listener = initial.server();
    return vertx.createHttpServer(serverOptions(listener))
      .connectionHandler(connection -> {
        FlushBatching.install(connection);
        admit(connection, listener.maxConnections());
      })
      // The guard is in front of the router: vertx-web answers a bad Host itself, keeping the connection open.
      .requestHandler(request -> {
        if (!RequestGuard.refused(request)) {
          router.handle(request);
        }
      })
      .listen(listener.port(), listener.host())
      .recover(failure -> Future.failedFuture(cannotListen(listener, failure)))
      .onSuccess(listening -> {
        server = listening;
        onListening.accept(listening.actualPort());
      })
      .map(HttpServer::actualPort);
  }

  /**
   * What an operator reads when the listener cannot bind: the address, the reason, and the setting to change,
   * instead of the transport's own words ({@code bind(..) failed with error(-98)} from epoll).
   */
  private static BindException cannotListen(ServerConfig listener, Throwable failure) {
    String address = (listener.host().contains(":") ? "[" + listener.host() + "]" : listener.host()) + ":" + listener.port();
    // The message is the one stable part: NIO throws a BindException, epoll and io_uring Netty's NativeIoException.
    boolean inUse = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      inUse |= cause.getMessage() != null && cause.getMessage().toLowerCase(Locale.ROOT).contains("address already in use");
    }
    BindException bind = new BindException("cannot listen on " + address + ": " + (inUse
      ? "address already in use (stop what holds it, or set server.port, which the sample conf/gateway.json reads from BFF_PORT)"
      : failure.getMessage() + " (check server.host and server.port)"));
    bind.initCause(failure);
    return bind;
  }

  /**
   * Swaps in handlers built from a new configuration, on this verticle's own event loop, so no request sees half
   * of each. Requests already in flight finish on the handlers they started with; connections stay open.
   */
  Future<Void> reload(GatewayConfig config, Components components) {
    // Certificates are read again on every reload, so a renewed certificate is served without a restart; first,
    // so that a certificate that cannot be used fails the reload before any handler is swapped.
    TlsConfig tls = initial.server().tls();
    Future<Boolean> certificates = tls == null || server == null ? Future.succeededFuture(false)
      : server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(keyCert(tls)), true);
    return certificates.compose(updated -> {
      Promise<Void> swapped = Promise.promise();
      context.runOnContext(v -> {
        try {
          deadlines.tick(shortestTimeoutMs(config));
          router = router(config, components);
          swapped.complete();
        } catch (RuntimeException e) {
          swapped.fail(e);
        }
      });
      return swapped.future();
    });
  }

  private static long shortestTimeoutMs(GatewayConfig config) {
    return config.routes().stream().mapToLong(RouteConfig::timeoutMs).min().orElse(1_000);
  }

  /** Over server.maxConnections, a new connection is closed at once, and those already open are served as before. */
  private void admit(HttpConnection connection, int maxConnections) {
    if (openConnections.incrementAndGet() > maxConnections) {
      openConnections.decrementAndGet();
      LOG.warn("server.maxConnections ({}) reached: closing a new connection from {}", maxConnections, connection.remoteAddress());
      connection.close();
      return;
    }
    connection.closeHandler(closed -> openConnections.decrementAndGet());
  }

  /** Stops accepting, lets in-flight requests finish for up to the grace period, then closes the upstream connections. */
  @Override
  public Future<?> stop() {
    Future<Void> drained = server == null ? Future.succeededFuture()
      : server.shutdown(initial.server().shutdownGraceSeconds(), TimeUnit.SECONDS);
    return drained.eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }

  /**
   * The one router every request goes through: the front door finds the request's target (a trie of the routes and
   * the gateway's reserved paths) and runs a proxied route's handler chain, or hands over to the gateway's endpoints
   * mounted after it. One failure handler answers every refusal and fault.
   */
  private Router router(GatewayConfig config, Components components) {
    VerifiedTokenCache verified = components.tokens().newCache(components.metrics());
    GatewayCookies cookies = new GatewayCookies(config.cookies());
    CsrfGuard csrf = new CsrfGuard(config.csrf());
    Cors cors = new Cors(config.cors());
    Store store = components.store();
    Refresher refresher = new Refresher(store.families(), components.credentials(), components.tokens().issuer(), components.metrics());
    Revocations revocations = new Revocations(store.families(), store.subjectRevocations(), config.tokens().revocationCheckSeconds(),
      components.clock());
    SessionUsers sessionUsers = new SessionUsers(components.sessions(), store.families(), refresher, verified,
      config.tokens().revocationCheckSeconds(), config.tokens().accessTokenTtlSeconds(), components.clock());
    RequestAuthenticator authenticator = new RequestAuthenticator(verified, revocations, refresher, sessionUsers, cookies,
      config.tokens().accessTokenTtlSeconds(), components.clock());
    Map<String, OidcClient> oidcClients = OidcClient.forEventLoop(vertx, config.credentials().oidc(), components.oidcClientKeys(),
      components.clock());
    RouteServices services = new RouteServices(authenticator, csrf, cors, cookies, components.tokens().newUpstreamTokens(),
      components.providerGrants(), oidcClients);

    RouteTable.Builder<Target> targets = RouteTable.builder();
    for (RouteConfig route : config.routes()) {
      Metrics.RouteMeters meters = components.metrics().route(route.id());
      targets.put(route.path(), new Target(route.id(), meters,
        new ProxyRoute(deadlines, route, config.proxy(), client, connections, services, meters), route.pathParameters()));
    }
    for (String reserved : ReservedPaths.ALL) {
      targets.put(reserved, Target.GATEWAY);
    }
    if (config.admin().enabled()) {
      targets.put(AdminConfig.PATH, Target.GATEWAY);
    }
    if (config.metrics().enabled()) {
      targets.put(MetricsConfig.PATH, Target.GATEWAY);
    }
    if (config.web().enabled()) {
      targets.put("/", Target.GATEWAY);
    }

    Router router = Router.router(vertx);
    ClientAddresses clientAddresses = new ClientAddresses(config.server().trustedProxies());
    router.route().handler(new FrontDoor(targets.build(), cors, new AccessLog(config.server().accessLog()), clientAddresses,
      config.server().hstsMaxAgeSeconds()));
    Health.mount(router, vertx, config, store.lifecycle());
    JwksEndpoint.mount(router, components.tokens());
    MetricsEndpoint.mount(router, config.metrics(), components.metrics());
    SignInThrottle throttle = new SignInThrottle(store.signInAttempts(), config.credentials());
    new AccountEndpoints(authenticator, store.families(), store.subjectRevocations(), cookies, csrf, revocations, throttle, config.admin())
      .mount(router);
    new AuthEndpoints(authDependencies(config, components, cookies, csrf, oidcClients, throttle, clientAddresses), verified, refresher, sessionUsers, revocations)
      .mount(router, vertx);
    StaticFiles.mount(router, config.web());
    long maxBodyBytes = config.server().maxBodyBytes();
    router.route().failureHandler(ctx -> ErrorResponses.failed(ctx, maxBodyBytes));
    router.errorHandler(404, ctx -> ErrorResponses.send(ctx.response(), 404, "No route matches " + ctx.normalizedPath()));
    router.errorHandler(405, ctx -> ErrorResponses.send(ctx.response(), 405, "Method " + ctx.request().method().name() + " is not allowed"));
    return router;
  }

  private static AuthEndpoints.Dependencies authDependencies(GatewayConfig config, Components components, GatewayCookies cookies,
                                                             CsrfGuard csrf, Map<String, OidcClient> oidcClients,
                                                             SignInThrottle throttle, ClientAddresses clientAddresses) {
    return new AuthEndpoints.Dependencies(components.credentials(), components.store().families(),
      components.store().subjectRevocations(), components.tokens().issuer(),
      components.sessions(), config.sessions(), cookies, csrf, config.tokens().accessTokenInBody(), config.tokens().accessTokenTtlSeconds(),
      throttle, config.server().maxBodyBytes(), components.clock(), components.metrics(), oidcClients, components.providerGrants(),
      config.routes().stream().anyMatch(RouteConfig::relaysProviderToken), clientAddresses,
      config.refreshTokens().rotate() == RefreshTokensConfig.Rotate.ALWAYS);
  }

  private static HttpServerOptions serverOptions(ServerConfig server) {
    HttpServerOptions options = new HttpServerOptions()
      .setIdleTimeout(server.idleTimeoutSeconds())
      .setTcpNoDelay(true)
      .setCompressionSupported(false)
      // Vert.x speaks h2c by default. Off unless asked for: a proxy in front that passes an Upgrade: h2c on, or lets a
      // client open with the HTTP/2 preface, would hand the client a connection it cannot inspect (h2c smuggling).
      .setHttp2ClearTextEnabled(server.h2c());
    if (server.tls() != null) {
      options.setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(keyCert(server.tls()));
    }
    return options;
  }

  private static PemKeyCertOptions keyCert(TlsConfig tls) {
    return new PemKeyCertOptions().setCertPath(tls.certPath().toString()).setKeyPath(tls.keyPath().toString());
  }

  /** Toward https upstreams: the configured CA bundle (else the JVM's trust store), hostnames verified unless turned off. */
  private static HttpClientOptions clientOptions(ProxyConfig proxy) {
    HttpClientOptions options = new HttpClientOptions()
      .setKeepAlive(true)
      .setKeepAliveTimeout(proxy.idleTimeoutSeconds())
      .setTcpNoDelay(true)
      .setDecompressionSupported(false)
      .setConnectTimeout(proxy.connectTimeoutMs())
      .setVerifyHost(proxy.verifyHostname());
    if (proxy.trustedCaFile() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(proxy.trustedCaFile().toString()));
    }
    return options;
  }
}
