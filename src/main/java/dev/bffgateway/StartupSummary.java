package dev.bffgateway;

import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.MetricsConfig;
import dev.bffgateway.config.OidcConfig;
import dev.bffgateway.config.StoreConfig;
import dev.bffgateway.credentials.UsersFileVerifier;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * What a started gateway runs with, logged once so that an operator sees at a glance which file, data, store,
 * users and key it took. Holds no secret: URLs lose their user, password and query, keys are named by kid only,
 * and of the metrics token only whether there is one.
 *
 * @param version       the jar's version; "dev" when not run from the jar
 * @param configFile    the file the configuration was read from; null when it was not read from a file
 * @param store         the store's type and where its data is: {@code sqlite FILE}, {@code redis URL} or {@code memory}
 * @param credentials   where sign-ins are checked: {@code users file FILE (N users)} or {@code login API URL}, or
 *                      that password sign-in is off
 * @param oidcProviders the names of the OpenID providers users may also sign in with
 * @param keyGenerated  whether the signing key was generated at this start (the default key, in a new data directory)
 * @param address       {@code scheme://host:port} of the listener, with the port actually bound
 */
public record StartupSummary(String version, Path configFile, Path dataDir, String store, String credentials,
                             List<String> oidcProviders, String keyId, JwsAlgorithm keyAlgorithm, boolean keyGenerated,
                             int routes, String address, int eventLoops, String transport, MetricsAccess metrics) {
  private static final Logger LOG = LoggerFactory.getLogger("bff.startup");

  public enum MetricsAccess {
    OFF, TOKEN, LOOPBACK
  }

  static StartupSummary of(GatewayConfig config, Components components, int port, Path configFile, String transport) {
    String version = StartupSummary.class.getPackage().getImplementationVersion();
    String credentials = switch (config.credentials().type()) {
      case NONE -> "password sign-in off (no credentials.usersFile or credentials.http)";
      case USERS -> "users file " + config.credentials().usersFile().toAbsolutePath()
        + (components.credentials() instanceof UsersFileVerifier users ? " (" + count(users.userCount(), "user") + ")" : "");
      case HTTP -> "login API " + withoutCredentials(config.credentials().http().url());
    };
    TokenKey key = components.tokens().keys().signing();
    MetricsConfig metrics = config.metrics();
    String host = config.server().host();
    return new StartupSummary(version == null ? "dev" : version, configFile == null ? null : configFile.toAbsolutePath(),
      config.dataDir(), store(config.store()), credentials, config.credentials().oidc().stream().map(OidcConfig::name).toList(),
      key.kid(), key.algorithm(), components.tokens().keys().generated(), config.routes().size(),
      (config.server().tls() == null ? "http" : "https") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port,
      config.server().instances(), transport,
      !metrics.enabled() ? MetricsAccess.OFF : metrics.token() != null ? MetricsAccess.TOKEN : MetricsAccess.LOOPBACK);
  }

  private static String store(StoreConfig store) {
    return switch (store.type()) {
      case MEMORY -> "memory";
      case SQLITE -> "sqlite " + store.sqlitePath();
      case REDIS -> "redis " + switch (store.redis().topology()) {
        case STANDALONE -> "";
        case SENTINEL -> "sentinel " + store.redis().masterName() + " via ";
        case CLUSTER -> "cluster ";
      } + String.join(",", store.redis().endpoints().stream().map(StartupSummary::withoutCredentials).toList());
    };
  }

  /**
   * The URL without its user, password, query and fragment, any of which may hold a secret. The last '@' ends the
   * user part, as a password may hold an unescaped '@'; at worst more is left out, never a password shown.
   */
  private static String withoutCredentials(String url) {
    int start = url.indexOf("://") + 3;
    return url.substring(0, start) + url.substring(Math.max(start, url.lastIndexOf('@') + 1)).split("[?#]", 2)[0];
  }

  /** The lines an operator reads: the listener first, as it always was, then what the gateway runs with. */
  public String text() {
    return String.join("\n",
      "bff-gateway listening on " + address + " (" + count(eventLoops, "event loop") + ", " + count(routes, "route")
        + ", transport: " + transport + ")",
      "  version:        " + version,
      "  config file:    " + (configFile == null ? "(not read from a file)" : configFile),
      "  data directory: " + dataDir,
      "  store:          " + store,
      "  credentials:    " + credentials + (oidcProviders.isEmpty() ? "" : "; OpenID providers: " + String.join(", ", oidcProviders)),
      "  signing key:    " + keyAlgorithm + ", kid \"" + keyId + "\"" + (keyGenerated ? ", generated at this start" : ""),
      "  metrics:        " + switch (metrics) {
        case OFF -> "off";
        case TOKEN -> "on at " + MetricsConfig.PATH + ", for scrapers that send metrics.token";
        case LOOPBACK -> "on at " + MetricsConfig.PATH + ", for this machine only (no metrics.token)";
      });
  }

  /** At INFO on {@code bff.startup}, as one event so that its lines stay together. */
  public void log() {
    LOG.info(text());
  }

  /** "1 route", "2 routes". */
  public static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
