package dev.bffgateway;

import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.CredentialsConfig;
import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.auth.ProviderGrants;
import dev.bffgateway.credentials.CredentialVerifier;
import dev.bffgateway.credentials.HttpCredentialVerifier;
import dev.bffgateway.credentials.NoPasswordSignIn;
import dev.bffgateway.credentials.PasswordChecks;
import dev.bffgateway.credentials.UsersFileVerifier;
import dev.bffgateway.ops.Metrics;
import dev.bffgateway.session.Sessions;
import dev.bffgateway.store.Store;
import dev.bffgateway.store.Stores;
import dev.bffgateway.token.PrivateFiles;
import dev.bffgateway.token.TokenKeys;
import dev.bffgateway.token.TokenSigner;
import dev.bffgateway.token.Tokens;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A running gateway: one {@link GatewayVerticle} per configured event-loop instance, sharing one port. */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final List<GatewayVerticle> verticles;
  private final String deploymentId;
  private final int port;
  private final long purgeTimer;
  private final PasswordChecks passwordChecks;
  private GatewayConfig config;
  private Components components;

  private Gateway(Vertx vertx, GatewayConfig config, Components components, List<GatewayVerticle> verticles, String deploymentId,
                  int port, long purgeTimer, PasswordChecks passwordChecks) {
    this.vertx = vertx;
    this.config = config;
    this.components = components;
    this.verticles = verticles;
    this.deploymentId = deploymentId;
    this.port = port;
    this.purgeTimer = purgeTimer;
    this.passwordChecks = passwordChecks;
  }

  /**
   * Builds the components (loading or generating keys, opening the store) off the event loop, then deploys one
   * verticle per configured instance. A store that cannot be reached yet (Redis down) does not stop the start:
   * the gateway reports not ready until it can.
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, Clock.systemUTC());
  }

  /** With the clock every component reads: tests move it to check expiry and grace windows exactly. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Clock clock) {
    return start(vertx, config, clock, Metrics.standalone());
  }

  /** With the metrics registry that Vert.x's own meters go to, so that /metrics shows both. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Clock clock, Metrics metrics) {
    AtomicInteger port = new AtomicInteger();
    List<GatewayVerticle> verticles = new CopyOnWriteArrayList<>();
    AtomicInteger openConnections = new AtomicInteger();
    // One for the process, kept across reloads: the limits hold for every event loop and every users file together.
    PasswordChecks passwordChecks = new PasswordChecks(vertx, config.credentials().checks());
    return vertx.executeBlocking(() -> {
        PrivateFiles.dataDir(config.dataDir());
        return fromFiles(vertx, config, clock, credentials(vertx, config.credentials(), passwordChecks));
      })
      .compose(files -> Stores.open(vertx, config.store(), config.refreshTokens(), clock)
        .map(opened -> {
          Store store = opened.measured(metrics);
          return new Components(files.tokens(), store, new Sessions(store.sessions().sessionStore(vertx), config.sessions()),
            files.credentials(), clock, metrics, files.oidcClientKeys(), new ProviderGrants(store.providerGrants(), clock));
        }))
      .compose(components -> vertx.deployVerticle(() -> {
            GatewayVerticle verticle = new GatewayVerticle(config, components, port::set, openConnections);
            verticles.add(verticle);
            return verticle;
          }, new DeploymentOptions().setInstances(config.server().instances()))
        .recover(failure -> components.store().lifecycle().close().transform(closed -> Future.failedFuture(failure)))
        .map(id -> new Gateway(vertx, config, components, List.copyOf(verticles), id, port.get(),
          purgePeriodically(vertx, components, config), passwordChecks)))
      .onFailure(failure -> passwordChecks.close());
  }

  private record FromFiles(Tokens tokens, CredentialVerifier credentials, Map<String, TokenSigner> oidcClientKeys) {
  }

  /** Blocking: reads the signing keys and the OpenID clients' private keys. */
  private static FromFiles fromFiles(Vertx vertx, GatewayConfig config, Clock clock, CredentialVerifier credentials) throws ConfigException {
    Map<String, TokenSigner> clientKeys = new HashMap<>();
    List<OidcConfig> providers = config.credentials().oidc();
    for (int i = 0; i < providers.size(); i++) {
      OidcConfig provider = providers.get(i);
      if (provider.privateKeyFile() != null) {
        clientKeys.put(provider.name(), TokenKeys.clientKey(Path.of(provider.privateKeyFile()), "credentials.oidc[" + i + "].privateKeyFile"));
      }
    }
    return new FromFiles(new Tokens(config.tokens(), TokenKeys.load(config.tokens(), config.dataDir()), clock), credentials,
      Map.copyOf(clientKeys));
  }


  /**
   * Applies a new configuration without a restart: routes, CORS, CSRF, cookies, tokens and keys, the users file,
   * admin and static files. Each event loop swaps all of its handlers at once; connections and in-flight requests
   * are kept. What only a restart can change (the listener, the store, sessions, the upstream pool, the data
   * directory, the credentials' type) keeps its running value and is named in the result, for the log.
   *
   * @return the sections whose changes wait for a restart; fails, changing nothing, when the keys or the users
   *     file cannot be loaded
   */
  public synchronized Future<List<String>> reload(GatewayConfig next) {
    GatewayConfig current = config;
    ReloadPlan plan = ReloadPlan.between(current, next);
    Clock clock = components.clock();
    CredentialVerifier keptCredentials = components.credentials();
    GatewayConfig applied = plan.applied();
    return vertx.executeBlocking(() -> fromFiles(vertx, applied, clock,
        // An HTTP verifier holds a client, and its settings only change with a restart: keep the running one.
        applied.credentials().type() == CredentialsConfig.Type.USERS ? credentials(vertx, applied.credentials(), passwordChecks)
          : keptCredentials))
      .compose(files -> {
        Components reloaded = components.reloaded(files.tokens(), files.credentials(), files.oidcClientKeys());
        List<Future<Void>> swaps = verticles.stream().map(verticle -> verticle.reload(applied, reloaded)).toList();
        return Future.all(swaps).map(done -> {
          synchronized (this) {
            config = applied;
            components = reloaded;
          }
          return plan.restartNeeded();
        });
      });
  }

  /**
   * Blocking: reads the users file. The login API is not limited by the password checks: it hashes on its own
   * machines, and its client's pool and timeout bound what waits for it here.
   */
  private static CredentialVerifier credentials(Vertx vertx, CredentialsConfig config, PasswordChecks passwordChecks)
    throws ConfigException {
    return switch (config.type()) {
      case NONE -> NoPasswordSignIn.INSTANCE;
      case HTTP -> new HttpCredentialVerifier(vertx.createHttpClient(), config.http());
      case USERS -> UsersFileVerifier.load(config.usersFile(), passwordChecks, config.hashIterations());
    };
  }

  private static long purgePeriodically(Vertx vertx, Components components, GatewayConfig config) {
    return vertx.setPeriodic(config.store().purgeIntervalSeconds() * 1000L, id -> components.store().lifecycle().purgeExpired()
      .onSuccess(purged -> LOG.debug("purged {} expired refresh tokens and families", purged))
      .onFailure(failure -> LOG.warn("purging expired refresh tokens failed: {}", failure.getMessage())));
  }

  /** The port actually listened on (differs from the configured one when that is 0). */
  public int port() {
    return port;
  }

  /**
   * What this gateway runs with, for the start-up log.
   *
   * @param configFile the file its configuration was read from; null when it was not read from a file
   * @param transport  the network transport of its Vert.x
   */
  public synchronized StartupSummary summary(Path configFile, String transport) {
    return StartupSummary.of(config, components, port, configFile, transport);
  }

  /** Stops accepting, lets in-flight requests finish (up to server.shutdownGraceSeconds), then closes the store. */
  public Future<Void> stop() {
    vertx.cancelTimer(purgeTimer);
    return vertx.undeploy(deploymentId).eventually(() -> components.store().lifecycle().close()).eventually(passwordChecks::close);
  }

  /** The password checks of this gateway, for tests that watch how many run at once. */
  PasswordChecks passwordChecks() {
    return passwordChecks;
  }

  /** The configuration in effect: the started one, or the last one reloaded. */
  public synchronized GatewayConfig config() {
    return config;
  }
}
