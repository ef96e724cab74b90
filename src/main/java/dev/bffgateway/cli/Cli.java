package dev.bffgateway.cli;

import dev.bffgateway.Gateway;
import dev.bffgateway.StartupSummary;
import dev.bffgateway.auth.SignInThrottle;
import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.ConfigLoader;
import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.ServerConfig;
import dev.bffgateway.credentials.PasswordHash;
import dev.bffgateway.demo.DemoBackend;
import dev.bffgateway.store.Store;
import dev.bffgateway.store.Stores;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKeys;
import dev.bffgateway.token.Tokens;
import io.vertx.core.Vertx;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import dev.bffgateway.ops.Metrics;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The {@code bff-gateway} command line. Returns exit codes instead of exiting, so it can be tested in-process. */
public final class Cli {
  /** Not an exit code: the command started servers that keep the process alive. */
  public static final int RUNNING = -1;
  public static final int OK = 0;
  public static final int FAILED = 1;
  /** Bad usage or an invalid configuration file. */
  public static final int INVALID = 2;

  static final String DEFAULT_CONF = ConfigLoader.DEFAULT_FILE.toString();

  private static final String USAGE = """
    Usage: bff-gateway <command> [options]

    Commands:
      run            start the gateway
      check-config   validate a configuration file (and its key files) and print every error
      gen-key        write a new signing key pair to a PEM file
      jwks           print the public keys of a configuration as a JWK Set
      hash-password  read a password (typed at a terminal, or from standard input) and print its hash for users.json
      demo-backend   start the demo backend that echoes what it receives
      bench-store    measure refresh-token rotations per second of the configured store
      unlock         forget a user name's failed sign-ins, so that it is no longer throttled
      bare-proxy     start a bare vertx-http-proxy HttpProxy in front of one upstream (a reference for scripts/bench)
      help           show this help

    Run 'bff-gateway <command> --help' for the options of a command.
    """;
  private static final String RUN_USAGE = """
    Usage: bff-gateway run [--conf FILE] [--watch SECONDS]

    Starts the gateway with the configuration FILE (default: conf/gateway.json).
    ${NAME} and ${NAME:-default} in string values are read from the environment.
    FILE, and the key and users files it names, are checked for changes every SECONDS (default 2; 0: never)
    and on SIGHUP; a valid change is applied without a restart, an invalid one is logged and ignored.
    SIGTERM and Ctrl-C stop accepting, let in-flight requests finish (server.shutdownGraceSeconds), then exit.
    Exit code 2 when the configuration is invalid, 1 when the gateway cannot start.
    """;
  private static final String CHECK_USAGE = """
    Usage: bff-gateway check-config [--conf FILE]

    Validates FILE (default: conf/gateway.json) and prints every error with its JSON path.
    Exit code 0 when valid, 2 when not.
    """;
  private static final String GEN_KEY_USAGE = """
    Usage: bff-gateway gen-key --out FILE [--alg ES256|RS256|EdDSA]

    Writes a new key pair (PKCS#8 private key and SPKI public key, PEM) to FILE, readable by its owner only.
    ES256 by default. Refuses to overwrite an existing file. Add it to tokens.keys to use it.
    """;
  private static final String JWKS_USAGE = """
    Usage: bff-gateway jwks [--conf FILE]

    Prints the public keys of the configuration (default: conf/gateway.json) as the gateway serves them at
    /.well-known/jwks.json. With no keys configured, that is the generated default key under dataDir.
    """;
  private static final String HASH_PASSWORD_USAGE = """
    Usage: bff-gateway hash-password [--iterations N] [< password.txt]

    Prints the PBKDF2-HMAC-SHA256 hash ($pbkdf2-sha256$i=...) of a password for the passwordHash of a user in
    users.json. At a terminal it asks for the password twice, without showing it; otherwise it reads the first
    line of standard input. Never from the command line, where other users could see it.
    600000 iterations by default.
    """;
  private static final String BENCH_STORE_USAGE = """
    Usage: bff-gateway bench-store [--conf FILE] [--live N] [--seconds S] [--concurrency C]

    Fills the store of the configuration (default: conf/gateway.json) with N live token families (default
    10000), then rotates tokens for S seconds (default 10) with C rotations in flight (default 64), and prints
    rotations per second, latency percentiles and this process's peak RSS. Writes to the configured store:
    point it at a scratch data directory or Redis database.
    """;
  private static final String UNLOCK_USAGE = """
    Usage: bff-gateway unlock [--conf FILE] USER

    Forgets the failed sign-ins of user name USER (as typed at sign-in, in any case) at every client address, in
    the store of the configuration (default: conf/gateway.json), so that its sign-ins are no longer refused with
    429. Running gateways on that store see it at once. Counts per client address are left as they are.
    A memory store lives inside the gateway: use the admin API's POST /admin/unlock/{userName} there.
    """;
  private static final String DEMO_USAGE = """
    Usage: bff-gateway demo-backend [--port PORT] [--host HOST] [--jwks URL] [--issuer ISSUER]

    Starts a backend that answers every request with a JSON echo of its method, path, query and headers
    (default: 127.0.0.1:9000). With --jwks (the gateway's /.well-known/jwks.json) it also verifies the Bearer
    token on its own and echoes the verified claims; --issuer is the tokens' iss (default bff-gateway).
    """;
  private static final String BARE_PROXY_USAGE = """
    Usage: bff-gateway bare-proxy --port PORT --upstream http://HOST:PORT [--host HOST]

    Starts a bare vertx-http-proxy HttpProxy on HOST:PORT (default host 127.0.0.1) that forwards every request to
    the upstream: one event loop on the gateway's transport, an upstream pool like the gateway's, and nothing
    else (no interceptors, no routes, no authentication). scripts/bench proxy measures it as the library's floor.
    """;

  private final java.io.InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Function<String, String> env;
  /** Null when standard input is not a terminal. */
  private final PasswordInput.Terminal terminal;

  public Cli(java.io.InputStream in, PrintStream out, PrintStream err, Function<String, String> env) {
    this(in, out, err, env, PasswordInput.systemTerminal());
  }

  Cli(java.io.InputStream in, PrintStream out, PrintStream err, Function<String, String> env, PasswordInput.Terminal terminal) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.terminal = terminal;
  }

  public int execute(String... args) {
    if (args.length == 0) {
      err.print(USAGE);
      return INVALID;
    }
    List<String> rest = List.of(args).subList(1, args.length);
    return switch (args[0]) {
      case "help", "--help", "-h" -> {
        out.print(USAGE);
        yield OK;
      }
      case "run" -> withOptions(rest, Set.of("conf", "watch"), RUN_USAGE, this::run);
      case "check-config" -> withOptions(rest, Set.of("conf"), CHECK_USAGE, this::checkConfig);
      case "gen-key" -> withOptions(rest, Set.of("alg", "out"), GEN_KEY_USAGE, this::genKey);
      case "jwks" -> withOptions(rest, Set.of("conf"), JWKS_USAGE, this::jwks);
      case "hash-password" -> withOptions(rest, Set.of("iterations"), HASH_PASSWORD_USAGE, this::hashPassword);
      case "demo-backend" -> withOptions(rest, Set.of("port", "host", "jwks", "issuer"), DEMO_USAGE, this::demoBackend);
      case "bare-proxy" -> withOptions(rest, Set.of("port", "upstream", "host"), BARE_PROXY_USAGE, this::bareProxy);
      case "bench-store" -> withOptions(rest, Set.of("conf", "live", "seconds", "concurrency"), BENCH_STORE_USAGE, this::benchStore);
      case "unlock" -> unlock(rest);
      default -> {
        err.println("Unknown command: " + args[0]);
        err.print(USAGE);
        yield INVALID;
      }
    };
  }

  private int withOptions(List<String> args, Set<String> names, String usage, Function<Map<String, String>, Integer> command) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        out.print(usage);
        return OK;
      }
      String name = arg.startsWith("--") ? arg.substring(2) : null;
      String value = null;
      if (name != null && name.contains("=")) {
        value = name.substring(name.indexOf('=') + 1);
        name = name.substring(0, name.indexOf('='));
      } else if (name != null && i + 1 < args.size()) {
        value = args.get(++i);
      }
      if (name == null || !names.contains(name) || value == null) {
        err.println(name == null || !names.contains(name) ? "Unknown argument: " + arg : "Missing value for --" + name);
        err.print(usage);
        return INVALID;
      }
      options.put(name, value);
    }
    return command.apply(options);
  }

  private GatewayConfig loadConfig(Map<String, String> options) throws ConfigException {
    int cores = Runtime.getRuntime().availableProcessors();
    return new ConfigLoader(env, cores).load(Path.of(options.getOrDefault("conf", DEFAULT_CONF)));
  }

  private int checkConfig(Map<String, String> options) {
    String file = options.getOrDefault("conf", DEFAULT_CONF);
    try {
      GatewayConfig config = loadConfig(options);
      if (!config.tokens().keys().isEmpty()) {
        TokenKeys.load(config.tokens(), config.dataDir());
      }
      if (config.credentials().type() == dev.bffgateway.config.CredentialsConfig.Type.USERS) {
        for (String warning : dev.bffgateway.credentials.UsersFileVerifier.check(config.credentials().usersFile(),
          config.credentials().hashIterations())) {
          out.println("warning: " + warning);
        }
      }
      out.println(file + ": valid (" + StartupSummary.count(config.routes().size(), "route") + ")");
      return OK;
    } catch (ConfigException e) {
      printErrors(file, e);
      return INVALID;
    }
  }

  private int run(Map<String, String> options) {
    if (!options.getOrDefault("watch", "0").matches("\\d{1,6}")) {
      err.println("--watch must be a number of seconds (0: never)");
      err.print(RUN_USAGE);
      return INVALID;
    }
    GatewayConfig config;
    try {
      config = loadConfig(options);
    } catch (ConfigException e) {
      printErrors(options.getOrDefault("conf", DEFAULT_CONF), e);
      return INVALID;
    }
    Metrics metrics = Metrics.standalone();
    Transport transport;
    try {
      transport = Transports.of(config.server().transport());
    } catch (IllegalStateException e) {
      err.println(e.getMessage());
      return INVALID;
    }
    Vertx vertx = config.metrics().enabled() ? monitoredVertx(transport, metrics) : newVertx(transport);
    try {
      Gateway gateway = Gateway.start(vertx, config, java.time.Clock.systemUTC(), metrics).await();
      gateway.summary(Path.of(options.getOrDefault("conf", DEFAULT_CONF)), transport.name()).log();
      watchForChanges(vertx, gateway, options);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        out.println("bff-gateway stopping: finishing in-flight requests (at most " + config.server().shutdownGraceSeconds() + " s)");
        // In turn, not chained: the close must not complete a future on an event loop it has just stopped.
        try {
          gateway.stop().await();
        } finally {
          vertx.close().await();
          // Flushes the access log's queue: lines of the last requests are written, not dropped with the JVM.
          ((ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory()).stop();
        }
      }));
      return RUNNING;
    } catch (Exception e) {
      vertx.close().await();
      if (e instanceof ConfigException invalid) {
        printErrors(options.getOrDefault("conf", DEFAULT_CONF), invalid);
        return INVALID;
      }
      err.println("bff-gateway could not start: " + e.getMessage());
      return FAILED;
    }
  }

  private void watchForChanges(Vertx vertx, Gateway gateway, Map<String, String> options) {
    long seconds = Long.parseLong(options.getOrDefault("watch", "2"));
    ConfigWatcher watcher = new ConfigWatcher(vertx, Path.of(options.getOrDefault("conf", DEFAULT_CONF)),
      new ConfigLoader(env, Runtime.getRuntime().availableProcessors()), gateway);
    if (seconds > 0) {
      watcher.watch(seconds * 1000);
    }
    Hangup.onSignal(() -> watcher.check(true));
  }

  private int genKey(Map<String, String> options) {
    String out = options.get("out");
    JwsAlgorithm algorithm = JwsAlgorithm.fromHeader(options.getOrDefault("alg", "ES256"));
    if (out == null || algorithm == null || algorithm == JwsAlgorithm.HS256) {
      err.println(out == null ? "--out FILE is required" : "--alg must be ES256, RS256 or EdDSA");
      err.print(GEN_KEY_USAGE);
      return INVALID;
    }
    try {
      TokenKeys.generate(algorithm, Path.of(out));
      this.out.println("wrote a new " + algorithm + " key pair to " + out);
      return OK;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      err.println(out + " exists already; gen-key never overwrites a key");
      return FAILED;
    } catch (java.io.IOException e) {
      err.println("cannot write " + out + ": " + e.getMessage());
      return FAILED;
    }
  }

  private int jwks(Map<String, String> options) {
    try {
      GatewayConfig config = loadConfig(options);
      out.println(Tokens.jwks(TokenKeys.load(config.tokens(), config.dataDir())).encodePrettily());
      return OK;
    } catch (ConfigException e) {
      printErrors(options.getOrDefault("conf", DEFAULT_CONF), e);
      return INVALID;
    }
  }

  private int hashPassword(Map<String, String> options) {
    int iterations;
    try {
      iterations = Integer.parseInt(options.getOrDefault("iterations", Integer.toString(PasswordHash.DEFAULT_ITERATIONS)));
    } catch (NumberFormatException e) {
      iterations = 0;
    }
    if (iterations < 100_000) {
      err.println("--iterations must be a whole number of at least 100000");
      return INVALID;
    }
    char[] password = terminal != null ? PasswordInput.fromTerminal(terminal, err) : PasswordInput.fromStandardInput(in, err);
    if (password == null) {
      return INVALID;
    }
    try {
      out.println(PasswordHash.create(password, iterations));
      return OK;
    } finally {
      java.util.Arrays.fill(password, '\0');
    }
  }

  private int benchStore(Map<String, String> options) {
    GatewayConfig config;
    int live;
    int seconds;
    int concurrency;
    try {
      config = loadConfig(options);
      live = Integer.parseInt(options.getOrDefault("live", "10000"));
      seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
      concurrency = Integer.parseInt(options.getOrDefault("concurrency", "64"));
    } catch (ConfigException e) {
      printErrors(options.getOrDefault("conf", DEFAULT_CONF), e);
      return INVALID;
    } catch (NumberFormatException e) {
      err.println("--live, --seconds and --concurrency take whole numbers");
      return INVALID;
    }
    return withStore(config, "bench-store", (vertx, store) -> {
      out.println(StoreBench.run(vertx, store.families(), live, seconds, concurrency).line(config.store().type().name().toLowerCase(java.util.Locale.ROOT)));
      return OK;
    });
  }

  /** Runs {@code use} on the configured store, opened on a Vert.x of its own; both are closed afterwards. */
  private int withStore(GatewayConfig config, String command, java.util.function.BiFunction<Vertx, Store, Integer> use) {
    Vertx vertx = newVertx(Transports.of(ServerConfig.Transport.AUTO));
    try {
      dev.bffgateway.token.PrivateFiles.dataDir(config.dataDir());
      Store store = Stores.open(vertx, config.store(), config.refreshTokens(), java.time.Clock.systemUTC()).await();
      try {
        return use.apply(vertx, store);
      } finally {
        store.lifecycle().close().await();
      }
    } catch (Exception e) {
      err.println(command + " failed: " + e.getMessage());
      return FAILED;
    } finally {
      vertx.close().await();
    }
  }

  /** {@code unlock [--conf FILE] USER}: one user name, before or after the options. */
  private int unlock(List<String> args) {
    List<String> options = new java.util.ArrayList<>();
    List<String> users = new java.util.ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        users.add(arg);
      } else {
        options.add(arg);
        if (arg.startsWith("--") && !arg.contains("=") && i + 1 < args.size()) {
          options.add(args.get(++i));
        }
      }
    }
    return withOptions(options, Set.of("conf"), UNLOCK_USAGE, parsed -> {
      if (users.size() != 1 || users.get(0).isBlank()) {
        err.println(users.isEmpty() ? "Name the user to unlock" : "Unlock one user at a time");
        err.print(UNLOCK_USAGE);
        return INVALID;
      }
      return unlock(parsed, users.get(0));
    });
  }

  private int unlock(Map<String, String> options, String user) {
    GatewayConfig config;
    try {
      config = loadConfig(options);
    } catch (ConfigException e) {
      printErrors(options.getOrDefault("conf", DEFAULT_CONF), e);
      return INVALID;
    }
    if (config.store().type() == dev.bffgateway.config.StoreConfig.Type.MEMORY) {
      err.println("The memory store lives inside the gateway: use the admin API, POST /admin/unlock/{userName}");
      return FAILED;
    }
    return withStore(config, "unlock", (vertx, store) -> {
      new SignInThrottle(store.signInAttempts(), config.credentials()).unlock(user).await();
      out.println("unlocked " + user + ": its failed sign-ins are forgotten at every address");
      return OK;
    });
  }

  private int demoBackend(Map<String, String> options) {
    int port;
    try {
      port = Integer.parseInt(options.getOrDefault("port", "9000"));
    } catch (NumberFormatException e) {
      err.println("--port must be a number");
      return INVALID;
    }
    Vertx vertx = newVertx(Transports.of(ServerConfig.Transport.AUTO));
    DemoBackend backend = new DemoBackend(options.getOrDefault("host", "127.0.0.1"), port, options.get("jwks"),
      options.getOrDefault("issuer", "bff-gateway"));
    try {
      vertx.deployVerticle(backend).await();
      out.println("demo backend listening on http://" + options.getOrDefault("host", "127.0.0.1") + ":" + backend.actualPort());
      return keepRunningUntilStopped(vertx);
    } catch (Exception e) {
      err.println("demo backend could not start: " + e.getMessage());
      vertx.close().await();
      return FAILED;
    }
  }

  private int bareProxy(Map<String, String> options) {
    int port;
    java.net.URI upstream;
    try {
      port = Integer.parseInt(options.getOrDefault("port", "-1"));
      upstream = new java.net.URI(options.getOrDefault("upstream", ""));
    } catch (NumberFormatException | java.net.URISyntaxException e) {
      port = -1;
      upstream = null;
    }
    if (port < 0 || port > 65_535 || upstream == null || !"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
      err.println("--port must be a port number and --upstream an http://HOST:PORT URL");
      err.print(BARE_PROXY_USAGE);
      return INVALID;
    }
    String host = options.getOrDefault("host", "127.0.0.1");
    Transport transport = Transports.of(ServerConfig.Transport.AUTO);
    Vertx vertx = newVertx(transport);
    BareProxy proxy = new BareProxy(host, port, upstream.getHost(), upstream.getPort() == -1 ? 80 : upstream.getPort());
    try {
      vertx.deployVerticle(proxy).await();
      out.println("bare HttpProxy listening on http://" + displayHost(host) + ":" + proxy.actualPort() + ", forwarding to "
        + upstream + " (1 event loop, transport: " + transport.name() + ")");
      return keepRunningUntilStopped(vertx);
    } catch (Exception e) {
      err.println("bare HttpProxy could not start: " + e.getMessage());
      vertx.close().await();
      return FAILED;
    }
  }

  private void printErrors(String file, ConfigException e) {
    err.println(file + ": " + e.errors().size() + (e.errors().size() == 1 ? " error" : " errors"));
    for (String error : e.errors()) {
      err.println("  " + error);
    }
  }

  private static Vertx newVertx(Transport transport) {
    return Vertx.builder().withTransport(transport).build();
  }

  /**
   * Vert.x with its own meters (pools, JVM) in the gateway's registry. Not its per-request HTTP server and client
   * meters: they look their meters up by tags on every request, which cost a sixth of the proxy's throughput, and
   * the gateway's own per-route meters count the same requests.
   */
  private static Vertx monitoredVertx(Transport transport, Metrics metrics) {
    return Vertx.builder()
      .withTransport(transport)
      .with(new VertxOptions()
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER).addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)))
      .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
      .build();
  }

  /** Ctrl-C and SIGTERM: close servers and clients cleanly before the JVM goes. */
  private static int keepRunningUntilStopped(Vertx vertx) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
    return RUNNING;
  }

  private static String displayHost(String host) {
    return host.equals("0.0.0.0") ? "127.0.0.1" : host;
  }
}
