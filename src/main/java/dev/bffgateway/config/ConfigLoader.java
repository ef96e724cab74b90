package dev.bffgateway.config;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns {@code gateway.json} into a {@link GatewayConfig}: substitutes environment variables, then reads and
 * validates the whole file, collecting every error with its JSON path before failing. Relative paths in it
 * resolve against the file's own directory, so the gateway finds the same files from any working directory.
 * Blocking: call it at start-up or from a worker, never on an event loop.
 */
public final class ConfigLoader {
  /** The file the commands read when no {@code --conf} names one. */
  public static final Path DEFAULT_FILE = Path.of("conf", "gateway.json");
  private static final Pattern ROUTE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  // Segments of a canonical route path: RFC 3986 pchar without percent-encoding.
  private static final Pattern ROUTE_PATH = Pattern.compile("/|(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+");
  private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?|https?://\\[[0-9A-Fa-f:.]+](:\\d{1,5})?");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private final Function<String, String> env;
  private final int cores;

  public ConfigLoader(Function<String, String> env, int cores) {
    this.env = env;
    this.cores = cores;
  }

  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System::getenv, Runtime.getRuntime().availableProcessors());
  }

  public GatewayConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(file + ": no such file"));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read (" + e.getMessage() + ")"));
    }
    return parse(text, file, file.toString());
  }

  /**
   * Text that was not read from a file, read as if it were {@link #DEFAULT_FILE}: relative paths resolve
   * against {@code conf/} in the working directory, as they would for the commands without {@code --conf}.
   */
  public GatewayConfig parse(String text) throws ConfigException {
    return parse(text, DEFAULT_FILE, null);
  }

  /**
   * @param file   where relative paths resolve from
   * @param source the file the text is from, for the position of a syntax error; null when it is not from a file
   */
  private GatewayConfig parse(String text, Path file, String source) throws ConfigException {
    JsonObject json = JsonText.object(text, source);
    List<String> errors = new ArrayList<>();
    new EnvSubstitution(env, errors).apply(json, JsonPath.ROOT);
    GatewayConfig config = read(new ObjectReader(json, JsonPath.ROOT, errors), file.toAbsolutePath().normalize());
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return config;
  }

  // Not private: ConfigReferenceTest runs it to learn every key it asks for.
  GatewayConfig read(ObjectReader root, Path file) {
    Path directory = file.getParent();
    Path dataDir = resolve(directory, root.string("dataDir", "data"));
    ServerConfig server = server(root.object("server"), directory);
    ProxyConfig proxy = proxy(root.object("proxy"), directory);
    TokensConfig tokens = tokens(root.object("tokens"), directory);
    RefreshTokensConfig refreshTokens = refreshTokens(root.object("refreshTokens"));
    StoreConfig store = store(root.object("store"), dataDir);
    CookiesConfig cookies = cookies(root.object("cookies"));
    CredentialsConfig credentials = credentials(root.object("credentials"), directory, cores);
    CsrfConfig csrf = csrf(root.object("csrf"));
    CorsConfig cors = cors(root.object("cors"));
    ObjectReader adminIn = root.object("admin");
    AdminConfig admin = new AdminConfig(adminIn.bool("enabled", false), adminIn.string("role", "Admin"));
    adminIn.rejectUnknownKeys();
    SessionsConfig sessions = sessions(root.object("sessions"), refreshTokens);
    if (!credentials.oidc().isEmpty() && !cookies.refreshTokenCookie() && !sessions.pureBff()) {
      root.error("credentials", "oidc needs cookies.refreshTokenCookie true or sessions.mode \"session\": "
        + "the redirect back from a provider has no body to carry a refresh token");
    }
    WebConfig web = web(root.object("web"), directory, dataDir, file);
    ObjectReader metricsIn = root.object("metrics");
    String metricsToken = metricsIn.string("token", "");
    MetricsConfig metrics = new MetricsConfig(metricsIn.bool("enabled", true), metricsToken.isEmpty() ? null : metricsToken);
    metricsIn.rejectUnknownKeys();
    List<RouteConfig> routes = routes(root, tokens.audience(), admin, web, metrics);
    if (credentials.oidc().isEmpty() && routes.stream().anyMatch(RouteConfig::relaysProviderToken)) {
      root.error("routes", "\"upstreamToken\": \"idp\" needs an OpenID provider in credentials.oidc: nobody would have a token to relay");
    }
    root.rejectUnknownKeys();
    return new GatewayConfig(dataDir, server, proxy, tokens, refreshTokens, store, cookies, credentials, csrf, cors, admin,
      sessions, web, metrics, routes);
  }

  private static SessionsConfig sessions(ObjectReader in, RefreshTokensConfig refreshTokens) {
    SessionsConfig.Mode mode = in.choice("mode", SessionsConfig.Mode.TOKENS, SessionsConfig.Mode.values());
    long maxLifetime = in.number("maxLifetimeSeconds", refreshTokens.maxLifetimeSeconds(), 60, 3 * 365 * 86_400L);
    long idle = in.number("idleTimeoutSeconds", Math.min(30 * 60, maxLifetime), 60, 30 * 86_400L);
    if (maxLifetime < idle) {
      in.error("maxLifetimeSeconds", maxLifetime + " is shorter than idleTimeoutSeconds (" + idle + ")");
    }
    in.rejectUnknownKeys();
    return new SessionsConfig(mode, idle, maxLifetime);
  }

  private static WebConfig web(ObjectReader in, Path configDirectory, Path dataDir, Path configFile) {
    String root = in.string("root", null);
    in.rejectUnknownKeys();
    if (root == null || root.equals(WebConfig.DEMO)) {
      return new WebConfig(null, root != null);
    }
    Path directory = resolve(configDirectory, root);
    if (root.isBlank() || !Files.isDirectory(directory)) {
      in.error("root", "\"" + (root.isBlank() ? root : directory) + "\" is not a directory (or \"demo\" for the demo page)");
      return new WebConfig(null, false);
    }
    // Serving either would publish secrets: the signing keys and the database, or the configuration.
    if (dataDir.startsWith(directory)) {
      in.error("root", "\"" + directory + "\" contains dataDir (" + dataDir + "): serve a directory of web files only");
      return new WebConfig(null, false);
    }
    if (configFile.startsWith(directory)) {
      in.error("root", "\"" + directory + "\" contains the configuration file (" + configFile + "): serve a directory of web files only");
      return new WebConfig(null, false);
    }
    return new WebConfig(directory, false);
  }

  /**
   * The one place a path of the configuration is resolved: a relative one against the configuration file's
   * directory, whatever the working directory is.
   */
  private static Path resolve(Path configDirectory, String path) {
    return configDirectory.resolve(path).normalize();
  }

  private ServerConfig server(ObjectReader in, Path directory) {
    String host = in.string("host", "127.0.0.1");
    int port = in.integer("port", 8080, 0, 65535);
    TlsConfig tls = tls(in.optionalObject("tls"), directory);
    long maxBodyBytes = in.number("maxBodyBytes", 64 * 1024, 1, 1L << 30);
    int idleTimeoutSeconds = in.integer("idleTimeoutSeconds", 60, 1, 86_400);
    int instances = in.integer("instances", 0, 0, 256);
    int shutdownGrace = in.integer("shutdownGraceSeconds", 20, 0, 3_600);
    boolean accessLog = in.bool("accessLog", true);
    int maxConnections = in.integer("maxConnections", 10_000, 1, 1_000_000);
    long hsts = in.number("hstsMaxAgeSeconds", 0, 0, 2 * 365 * 86_400L);
    if (hsts > 0 && !in.has("tls")) {
      in.error("hstsMaxAgeSeconds", "needs server.tls: browsers ignore Strict-Transport-Security over plain http");
    }
    ServerConfig.Transport transport = in.choice("transport", ServerConfig.Transport.AUTO, ServerConfig.Transport.values());
    boolean h2c = in.bool("h2c", false);
    if (h2c && in.has("tls")) {
      in.error("h2c", "is cleartext HTTP/2 and server.tls is set: over TLS, HTTP/2 is negotiated by ALPN already");
    }
    List<IpRange> trustedProxies = trustedProxies(in);
    in.rejectUnknownKeys();
    return new ServerConfig(host, port, tls, maxBodyBytes, idleTimeoutSeconds, instances == 0 ? cores : instances, shutdownGrace,
      accessLog, maxConnections, hsts, transport, h2c, trustedProxies);
  }

  /** Addresses or CIDR ranges, as literals: a host name would make the gateway's trust depend on DNS. */
  private static List<IpRange> trustedProxies(ObjectReader in) {
    List<String> values = Optional.ofNullable(in.strings("trustedProxies")).orElse(List.of());
    List<IpRange> ranges = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      IpRange range = IpRange.parse(values.get(i));
      if (range == null) {
        in.error("trustedProxies[" + i + "]", "\"" + values.get(i) + "\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8");
      } else {
        ranges.add(range);
      }
    }
    return List.copyOf(ranges);
  }

  private TlsConfig tls(ObjectReader in, Path directory) {
    if (in == null) {
      return null;
    }
    Path cert = readableFile(in, "certPath", directory);
    Path key = readableFile(in, "keyPath", directory);
    in.rejectUnknownKeys();
    return cert == null || key == null ? null : new TlsConfig(cert, key);
  }

  private static Path readableFile(ObjectReader in, String key, Path directory) {
    String value = in.requiredString(key);
    return value == null ? null : readable(in, key, resolve(directory, value));
  }

  private static Path readable(ObjectReader in, String key, Path path) {
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      in.error(key, "\"" + path + "\" is not a readable file");
      return null;
    }
    return path;
  }

  private ProxyConfig proxy(ObjectReader in, Path directory) {
    int poolSize = in.integer("poolSize", 128, 1, 10_000);
    int connectTimeoutMs = in.integer("connectTimeoutMs", 5_000, 1, 600_000);
    int idleTimeoutSeconds = in.integer("idleTimeoutSeconds", 60, 1, 3_600);
    Path trustedCaFile = in.has("trustedCaFile") ? readableFile(in, "trustedCaFile", directory) : null;
    boolean verifyHostname = in.bool("verifyHostname", true);
    long maxBufferedBodyBytes = in.number("maxBufferedBodyBytes", 16L << 20, 0, 1L << 30);
    in.rejectUnknownKeys();
    return new ProxyConfig(poolSize, connectTimeoutMs, idleTimeoutSeconds, trustedCaFile, verifyHostname, maxBufferedBodyBytes);
  }

  private TokensConfig tokens(ObjectReader in, Path directory) {
    String issuer = in.string("issuer", "bff-gateway");
    if (issuer.isBlank()) {
      in.error("issuer", "must not be empty");
    }
    List<String> audience = audience(in);
    int ttl = in.integer("accessTokenTtlSeconds", 900, 10, 86_400);
    int leeway = in.integer("clockLeewaySeconds", 30, 0, 300);
    int cacheSize = in.integer("verifiedCacheSize", 10_000, 0, 10_000_000);
    int jwksMaxAge = in.integer("jwksMaxAgeSeconds", 300, 0, 86_400);
    boolean accessTokenInBody = in.bool("accessTokenInBody", true);
    int revocationCheck = in.integer("revocationCheckSeconds", 5, 0, 300);
    List<KeyConfig> keys = new ArrayList<>();
    List<ObjectReader> entries = in.objects("keys");
    for (int i = 0; i < entries.size(); i++) {
      KeyConfig key = key(entries.get(i), directory);
      if (key != null) {
        keys.add(key);
      }
    }
    if (keys.stream().filter(KeyConfig::signing).count() > 1) {
      in.error("keys", "more than one key is marked \"signing\": mark one");
    }
    in.rejectUnknownKeys();
    return new TokensConfig(issuer, audience, ttl, leeway, cacheSize, jwksMaxAge, accessTokenInBody, revocationCheck,
      List.copyOf(keys));
  }

  private static RefreshTokensConfig refreshTokens(ObjectReader in) {
    long day = 86_400;
    long ttl = in.number("ttlSeconds", 14 * day, 60, 365 * day);
    long maxLifetime = in.number("maxLifetimeSeconds", 30 * day, 60, 3 * 365 * day);
    int grace = in.integer("graceSeconds", 10, 0, 300);
    RefreshTokensConfig.Rotate rotate = in.choice("rotate", RefreshTokensConfig.Rotate.COOKIES, RefreshTokensConfig.Rotate.values());
    if (maxLifetime < ttl) {
      in.error("maxLifetimeSeconds", maxLifetime + " is shorter than ttlSeconds (" + ttl + ")");
    }
    in.rejectUnknownKeys();
    return new RefreshTokensConfig(ttl, maxLifetime, grace, rotate);
  }

  private static StoreConfig store(ObjectReader in, Path dataDir) {
    StoreConfig.Type type = in.choice("type", StoreConfig.Type.SQLITE, StoreConfig.Type.values());
    ObjectReader sqlite = in.object("sqlite");
    Path sqlitePath = dataDir.resolve(sqlite.string("path", "bff-gateway.db"));
    sqlite.rejectUnknownKeys();
    RedisConfig redis = redis(in.object("redis"), type == StoreConfig.Type.REDIS);
    int purge = in.integer("purgeIntervalSeconds", 300, 1, 86_400);
    in.rejectUnknownKeys();
    return new StoreConfig(type, sqlitePath, type == StoreConfig.Type.REDIS ? redis : null, purge);
  }

  /** Exactly one of url (standalone), sentinels (with masterName) or cluster. */
  private static RedisConfig redis(ObjectReader in, boolean required) {
    String url = in.string("url", null);
    List<String> sentinels = in.strings("sentinels");
    List<String> cluster = in.strings("cluster");
    String masterName = in.string("masterName", null);
    String user = in.string("user", null);
    String password = in.string("password", null);
    String prefix = in.string("keyPrefix", "bff:");
    if (prefix.contains("{") || prefix.contains("}")) {
      in.error("keyPrefix", "must not contain { or }: the gateway adds its own hash tags");
    }
    int given = (url != null ? 1 : 0) + (sentinels != null ? 1 : 0) + (cluster != null ? 1 : 0);
    if (given > 1) {
      in.error("url", "give only one of url, sentinels or cluster");
    } else if (given == 0 && required) {
      in.error("url", "is required (or sentinels with masterName, or cluster)");
    }
    RedisConfig.Topology topology = sentinels != null ? RedisConfig.Topology.SENTINEL
      : cluster != null ? RedisConfig.Topology.CLUSTER : RedisConfig.Topology.STANDALONE;
    List<String> endpoints = url != null ? List.of(url) : sentinels != null ? sentinels : cluster != null ? cluster : List.of();
    String key = url != null ? "url" : sentinels != null ? "sentinels" : "cluster";
    if (given == 1 && endpoints.isEmpty()) {
      in.error(key, "must name at least one node");
    }
    for (String endpoint : endpoints) {
      if (!endpoint.startsWith("redis://") && !endpoint.startsWith("rediss://")) {
        in.error(key, "must start with redis:// or rediss://");
      }
    }
    if (topology == RedisConfig.Topology.SENTINEL && masterName == null) {
      in.error("masterName", "is required with sentinels");
    } else if (topology != RedisConfig.Topology.SENTINEL && masterName != null) {
      in.error("masterName", "is only for sentinels");
    }
    // A failover loses what no replica had: with replicas (Sentinel, Cluster) wait for one by default.
    int minReplicasAcked = in.integer("minReplicasAcked", topology == RedisConfig.Topology.STANDALONE ? 0 : 1, 0, 16);
    int ackTimeout = in.integer("replicaAckTimeoutMs", 1000, 1, 2500);
    in.rejectUnknownKeys();
    return new RedisConfig(topology, endpoints, masterName, user, password, prefix, minReplicasAcked, ackTimeout);
  }

  private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");

  private static CookiesConfig cookies(ObjectReader in) {
    boolean hostPrefix = in.bool("hostPrefix", false);
    String prefix = hostPrefix ? "__Host-" : "";
    String accessToken = cookieName(in, "accessToken", "ss-tok");
    String refreshToken = cookieName(in, "refreshToken", "ss-reftok");
    String session = cookieName(in, "session", "ss-id");
    CookiesConfig.Secure secure = in.choice("secure", CookiesConfig.Secure.ALWAYS, CookiesConfig.Secure.values());
    String sameSite = in.string("sameSite", "Lax");
    if (!sameSite.equals("Lax") && !sameSite.equals("Strict")) {
      in.error("sameSite", "\"" + sameSite + "\" is not one of Lax, Strict");
    }
    String domain = in.string("domain", null);
    if (hostPrefix && domain != null) {
      in.error("hostPrefix", "__Host- cookies cannot have a Domain: remove cookies.domain or cookies.hostPrefix");
    }
    if (hostPrefix && secure != CookiesConfig.Secure.ALWAYS) {
      in.error("hostPrefix", "__Host- cookies must be Secure: set cookies.secure to always");
    }
    boolean refreshTokenCookie = in.bool("refreshTokenCookie", true);
    in.rejectUnknownKeys();
    return new CookiesConfig(prefix + accessToken, prefix + refreshToken, prefix + session, secure, sameSite, domain, refreshTokenCookie);
  }

  private static String cookieName(ObjectReader in, String key, String fallback) {
    String name = in.string(key, fallback);
    if (!COOKIE_NAME.matcher(name).matches()) {
      in.error(key, "\"" + name + "\" is not a valid cookie name");
    }
    return name;
  }

  private static CredentialsConfig credentials(ObjectReader in, Path directory, int cores) {
    // Password sign-in only when asked for: never the demo users of a users.json that happens to be beside the file.
    CredentialsConfig.Type type = !in.has("type")
      ? in.has("usersFile") ? CredentialsConfig.Type.USERS : in.has("http") ? CredentialsConfig.Type.HTTP : CredentialsConfig.Type.NONE
      : in.choice("type", CredentialsConfig.Type.USERS, CredentialsConfig.Type.USERS, CredentialsConfig.Type.HTTP);
    Path usersFile = resolve(directory, in.string("usersFile", "users.json"));
    if (type == CredentialsConfig.Type.USERS) {
      readable(in, "usersFile", usersFile);
    }
    CredentialsConfig.Http http = null;
    ObjectReader httpIn = in.optionalObject("http");
    if (httpIn == null && type == CredentialsConfig.Type.HTTP) {
      in.error("http", "is required when type is http");
    }
    if (httpIn != null) {
      String url = httpUrl(httpIn, "url", true);
      String userUrl = httpUrl(httpIn, "userUrl", false);
      int timeoutMs = httpIn.integer("timeoutMs", 5_000, 1, 120_000);
      ObjectReader fieldsIn = httpIn.object("fields");
      Map<String, String> fields = new HashMap<>();
      for (String field : List.of("id", "userName", "displayName", "email", "roles", "permissions", "disabled")) {
        fields.put(field, fieldsIn.string(field, field));
      }
      fieldsIn.rejectUnknownKeys();
      http = new CredentialsConfig.Http(url, userUrl, timeoutMs, Map.copyOf(fields));
      httpIn.rejectUnknownKeys();
    }
    int maxFailures = in.integer("maxFailures", 5, 1, 1_000);
    int maxFailuresPerAddress = in.integer("maxFailuresPerAddress", 100, 1, 1_000_000);
    int window = in.integer("failureWindowSeconds", 900, 1, 86_400);
    int hashIterations = in.integer("hashIterations", CredentialsConfig.DEFAULT_HASH_ITERATIONS, CredentialsConfig.MIN_HASH_ITERATIONS, 100_000_000);
    int maxConcurrentChecks = in.integer("maxConcurrentChecks", cores, 1, 1_024);
    int maxQueuedChecks = in.integer("maxQueuedChecks", 4 * maxConcurrentChecks, 0, 100_000);
    List<OidcConfig> oidc = new ArrayList<>();
    Set<String> names = new java.util.HashSet<>();
    for (ObjectReader provider : in.objects("oidc")) {
      OidcConfig read = oidc(provider, directory);
      if (read != null && !names.add(read.name())) {
        provider.error("name", "\"" + read.name() + "\" is already the name of another provider");
      } else if (read != null) {
        oidc.add(read);
      }
    }
    in.rejectUnknownKeys();
    return new CredentialsConfig(type, usersFile, http, maxFailures, maxFailuresPerAddress, window, List.copyOf(oidc), hashIterations,
      new CredentialsConfig.Checks(maxConcurrentChecks, maxQueuedChecks));
  }

  private static final Pattern PROVIDER_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  private static OidcConfig oidc(ObjectReader in, Path directory) {
    int errorsBefore = in.errorCount();
    String name = in.requiredString("name");
    if (name != null && (!PROVIDER_NAME.matcher(name).matches() || OidcConfig.RESERVED_NAMES.contains(name))) {
      in.error("name", "\"" + name + "\" must be 1-32 lower-case letters, digits or '-', and not one of "
        + String.join(", ", new java.util.TreeSet<>(OidcConfig.RESERVED_NAMES)));
    }
    String issuer = httpUrl(in, "issuer", true);
    String clientId = in.requiredString("clientId");
    String clientSecret = in.string("clientSecret", null);
    String privateKeyFile = in.string("privateKeyFile", null);
    if ((clientSecret == null) == (privateKeyFile == null)) {
      in.error("clientSecret", "give exactly one of clientSecret (client_secret_basic) and privateKeyFile (private_key_jwt)");
    } else if (privateKeyFile != null) {
      Path resolved = resolve(directory, privateKeyFile);
      readable(in, "privateKeyFile", resolved);
      privateKeyFile = resolved.toString();
    }
    List<String> scopes = new ArrayList<>(Optional.ofNullable(in.strings("scopes")).orElse(List.of("openid", "profile", "email")));
    if (!scopes.contains("openid")) {
      scopes.add(0, "openid");
    }
    ObjectReader claims = in.object("claims");
    String userName = claims.string("userName", "preferred_username");
    String displayName = claims.string("displayName", "name");
    String email = claims.string("email", "email");
    String roles = claims.string("roles", "roles");
    claims.rejectUnknownKeys();
    Set<String> returnOrigins = origins(in, "returnOrigins", false);
    String redirectUri = httpUrl(in, "redirectUri", false);
    String postLogoutRedirectUri = httpUrl(in, "postLogoutRedirectUri", false);
    String errorPage = in.string("errorPage", null);
    if (errorPage != null && !(errorPage.startsWith("/") && !errorPage.startsWith("//")) && !errorPage.startsWith("http://") && !errorPage.startsWith("https://")) {
      in.error("errorPage", "\"" + errorPage + "\" must be a path on this site (\"/signin-failed\") or an http(s) URL");
    }
    in.rejectUnknownKeys();
    return in.errorCount() > errorsBefore ? null
      : new OidcConfig(name, issuer, clientId, clientSecret, privateKeyFile, List.copyOf(scopes), userName, displayName, email,
        roles, returnOrigins, redirectUri, postLogoutRedirectUri, errorPage);
  }

  private static String httpUrl(ObjectReader in, String key, boolean required) {
    String url = required ? in.requiredString(key) : in.string(key, null);
    if (url != null && !(url.startsWith("http://") || url.startsWith("https://"))) {
      in.error(key, "\"" + url + "\" is not an http(s) URL");
    }
    return url;
  }

  private static List<String> audience(ObjectReader in) {
    if (!in.isArray("audience")) {
      String single = in.string("audience", null);
      return single == null || single.isBlank() ? List.of() : List.of(single);
    }
    List<String> audience = in.strings("audience");
    if (audience.stream().anyMatch(String::isBlank)) {
      in.error("audience", "must not contain empty values");
    }
    return List.copyOf(audience);
  }

  private static KeyConfig key(ObjectReader in, Path directory) {
    int errorsBefore = in.errorCount();
    String id = in.string("id", null);
    if (id != null && !ROUTE_ID.matcher(id).matches()) {
      in.error("id", "\"" + id + "\" must be 1-64 letters, digits, '.', '_' or '-'");
    }
    boolean hasPem = in.has("pem");
    boolean hasSecret = in.has("secret");
    Path pem = hasPem ? readableFile(in, "pem", directory) : null;
    String secret = hasSecret ? in.requiredString("secret") : null;
    if (hasPem == hasSecret) {
      in.error(hasPem ? "secret" : "pem", "give either \"pem\" (a key file) or \"secret\" (an HS256 secret)");
    }
    if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      in.error("secret", "is " + secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        + " bytes; an HS256 secret needs at least 32 (e.g. openssl rand -base64 48)");
    }
    boolean signing = in.bool("signing", false);
    in.rejectUnknownKeys();
    return in.errorCount() > errorsBefore ? null : new KeyConfig(id, pem, secret, signing, in.path());
  }

  private List<RouteConfig> routes(ObjectReader root, List<String> gatewayAudience, AdminConfig admin, WebConfig web,
                                   MetricsConfig metrics) {
    List<RouteConfig> routes = new ArrayList<>();
    Map<String, String> pathsSeen = new HashMap<>();
    Map<String, String> idsSeen = new HashMap<>();
    for (ObjectReader in : root.objects("routes")) {
      RouteConfig route = route(in);
      if (route == null) {
        continue;
      }
      String firstWithId = idsSeen.putIfAbsent(route.id(), in.path());
      if (firstWithId != null) {
        in.error("id", "\"" + route.id() + "\" is already the id of " + firstWithId);
      }
      if (route.upstreamToken() != null && gatewayAudience.contains(route.upstreamToken().audience())) {
        in.error("upstreamToken", "audience \"" + route.upstreamToken().audience()
          + "\" is the gateway's own (tokens.audience): the upstream could use its tokens at the gateway");
      }
      if (admin.enabled() && (route.path().equals(AdminConfig.PATH) || route.path().startsWith(AdminConfig.PATH + "/"))) {
        in.error("path", "\"" + route.path() + "\" is under /admin, which the gateway serves itself while admin.enabled is true");
      }
      if (metrics.enabled() && (route.path().equals(MetricsConfig.PATH) || route.path().startsWith(MetricsConfig.PATH + "/"))) {
        in.error("path", "\"" + route.path() + "\" is under /metrics, which the gateway serves itself while metrics.enabled is true");
      }
      if (web.enabled() && route.path().equals("/")) {
        in.error("path", "\"/\" would hide the static files of web.root: remove one of them");
      }
      String firstWithPath = pathsSeen.putIfAbsent(route.path(), in.path());
      if (firstWithPath != null) {
        in.error("path", "\"" + route.path() + "\" is already the path of " + firstWithPath);
      }
      routes.add(route);
    }
    return List.copyOf(routes);
  }

  private RouteConfig route(ObjectReader in) {
    int errorsBefore = in.errorCount();
    String id = in.requiredString("id");
    if (id != null && !ROUTE_ID.matcher(id).matches()) {
      in.error("id", "\"" + id + "\" must be 1-64 letters, digits, '.', '_' or '-'");
    }
    String path = in.requiredString("path");
    if (path != null && !isCanonicalPath(path)) {
      in.error("path", "\"" + path + "\" must start with '/', have no empty, '.' or '..' segments, no trailing '/', "
        + "and no '%', '?' or '#'");
    } else if (path != null && ReservedPaths.reservedBy(path) != null) {
      in.error("path", "\"" + path + "\" is under " + ReservedPaths.reservedBy(path) + ", which the gateway serves itself");
    }
    String url = in.requiredString("upstream");
    Upstream upstream = url == null ? null : Upstream.parse(url, message -> in.error("upstream", message));
    boolean stripPrefix = in.bool("stripPrefix", false);
    Set<HttpMethod> methods = methods(in);
    int timeoutMs = in.integer("timeoutMs", 30_000, 1, 3_600_000);
    AuthMode auth = in.choice("auth", AuthMode.NONE, AuthMode.values());
    boolean websocket = in.bool("websocket", false);
    List<String> roles = orEmpty(in.strings("roles"));
    List<String> permissions = orEmpty(in.strings("permissions"));
    boolean identityHeaders = in.bool("identityHeaders", false);
    boolean pathParameters = in.bool("pathParameters", false);
    boolean relaysProviderToken = in.isString("upstreamToken");
    if (relaysProviderToken && !"idp".equals(in.string("upstreamToken", null))) {
      in.error("upstreamToken", "must be \"idp\" (relay the OpenID provider's token) or an object (mint a token for the upstream)");
    }
    RouteConfig.UpstreamToken upstreamToken = relaysProviderToken ? null : upstreamToken(in.optionalObject("upstreamToken"));
    if (auth != AuthMode.REQUIRED) {
      for (String key : List.of("roles", "permissions")) {
        if (in.has(key)) {
          in.error(key, "needs \"auth\": \"required\": otherwise anonymous callers would pass where signed-in ones cannot");
        }
      }
    }
    if (auth == AuthMode.NONE) {
      if (in.has("upstreamToken")) {
        in.error("upstreamToken", "needs \"auth\": \"required\" (or \"optional\"); with \"none\" the gateway checks nobody");
      }
      if (identityHeaders) {
        in.error("identityHeaders", "needs \"auth\": \"required\" or \"optional\"");
      }
    }
    if (relaysProviderToken && auth != AuthMode.REQUIRED) {
      in.error("upstreamToken", "\"idp\" needs \"auth\": \"required\": only a signed-in user has a provider's token to relay");
    }
    in.rejectUnknownKeys();
    if (in.errorCount() > errorsBefore) {
      return null;
    }
    return new RouteConfig(id, path, upstream, stripPrefix, methods, timeoutMs, auth, websocket, roles, permissions,
      identityHeaders, upstreamToken, relaysProviderToken, pathParameters);
  }

  private static List<String> orEmpty(List<String> values) {
    return values == null ? List.of() : List.copyOf(values);
  }

  private static RouteConfig.UpstreamToken upstreamToken(ObjectReader in) {
    if (in == null) {
      return null;
    }
    String audience = in.requiredString("audience");
    int ttl = in.integer("ttlSeconds", 60, 5, 3_600);
    List<String> claims = in.strings("claims");
    in.rejectUnknownKeys();
    return audience == null ? null : new RouteConfig.UpstreamToken(audience, ttl,
      claims == null ? List.of("sub", "name", "preferred_username", "email", "roles", "perms") : List.copyOf(claims));
  }

  private static CsrfConfig csrf(ObjectReader in) {
    Set<String> trusted = origins(in, "trustedOrigins", false);
    String header = in.string("requireHeader", null);
    String name = null;
    String value = null;
    if (header != null) {
      int colon = header.indexOf(':');
      name = (colon < 0 ? header : header.substring(0, colon)).trim();
      value = colon < 0 ? "" : header.substring(colon + 1).trim();
      if (!COOKIE_NAME.matcher(name).matches() || value.isEmpty()) {
        in.error("requireHeader", "\"" + header + "\" must be \"Name: value\", e.g. \"X-CSRF: 1\"");
      }
    }
    in.rejectUnknownKeys();
    return new CsrfConfig(trusted, name, value);
  }

  private static CorsConfig cors(ObjectReader in) {
    boolean credentials = in.bool("allowCredentials", true);
    Set<String> allowed = origins(in, "allowedOrigins", !credentials);
    List<String> methods = Optional.ofNullable(in.strings("allowedMethods")).orElse(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"));
    List<String> headers = Optional.ofNullable(in.strings("allowedHeaders"))
      .orElse(List.of("Authorization", "Content-Type", "X-Request-Id", "X-CSRF"));
    List<String> exposed = new ArrayList<>(Optional.ofNullable(in.strings("exposedHeaders")).orElse(List.of()));
    for (String always : List.of("X-Cookies", "X-Request-Id")) {
      if (exposed.stream().noneMatch(always::equalsIgnoreCase)) {
        exposed.add(always);
      }
    }
    int maxAge = in.integer("maxAgeSeconds", 600, 0, 86_400);
    in.rejectUnknownKeys();
    return new CorsConfig(allowed, credentials, List.copyOf(methods), List.copyOf(headers), List.copyOf(exposed), maxAge);
  }

  /** Exact origins: scheme, host and optional port, nothing else; "*" only where it is safe. */
  private static Set<String> origins(ObjectReader in, String key, boolean wildcardAllowed) {
    List<String> values = in.strings(key);
    Set<String> origins = new LinkedHashSet<>();
    for (int i = 0; values != null && i < values.size(); i++) {
      String origin = values.get(i);
      String where = key + "[" + i + "]";
      if (origin.equals("*")) {
        if (!wildcardAllowed) {
          in.error(where, key.equals("allowedOrigins") ? "\"*\" cannot be used with credentials: list the exact origins"
            : "\"*\" would trust every site: list the exact origins");
        }
      } else if (!ORIGIN.matcher(origin).matches()) {
        in.error(where, "\"" + origin + "\" is not an origin like https://app.example.com (no path, no trailing /)");
      } else if (!origin.equals(origin.toLowerCase(Locale.ROOT))) {
        in.error(where, "\"" + origin + "\" must be lower case, as browsers send it");
      } else if (origin.startsWith("https://") && origin.endsWith(":443") || origin.startsWith("http://") && origin.endsWith(":80")) {
        in.error(where, "\"" + origin + "\" must leave out the default port, as browsers do");
      }
      origins.add(origin);
    }
    return Set.copyOf(origins);
  }

  private static boolean isCanonicalPath(String path) {
    if (!ROUTE_PATH.matcher(path).matches()) {
      return false;
    }
    for (String segment : path.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static Set<HttpMethod> methods(ObjectReader in) {
    List<String> names = in.strings("methods");
    if (names == null) {
      return Set.of();
    }
    Set<HttpMethod> methods = new LinkedHashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (METHODS.contains(name)) {
        methods.add(HttpMethod.valueOf(name));
      } else {
        in.error("methods[" + i + "]", "\"" + name + "\" is not one of " + String.join(", ", new java.util.TreeSet<>(METHODS)));
      }
    }
    if (names.isEmpty()) {
      in.error("methods", "must not be empty (leave it out to allow every method)");
    }
    return Set.copyOf(methods);
  }
}
