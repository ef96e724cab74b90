package dev.bffgateway.cli;

import dev.bffgateway.Gateway;
import dev.bffgateway.StartupSummary;
import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.ConfigLoader;
import dev.bffgateway.config.CredentialsConfig;
import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.config.KeyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hot reload: polls the configuration file and the key, users and TLS files it names, and hands a changed, valid
 * configuration to the running gateway. An invalid file is refused with every error logged, and the running
 * configuration stays. Polling, not file events, so that an editor's rename or a Kubernetes ConfigMap's
 * symlink swap is seen like any write.
 */
final class ConfigWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Vertx vertx;
  private final Path file;
  private final ConfigLoader loader;
  private final Gateway gateway;
  private final AtomicBoolean checking = new AtomicBoolean();
  private final AtomicBoolean forcePending = new AtomicBoolean();
  /** The content of the files as last seen, valid or not, so that a bad file is reported once, not every poll. */
  private volatile String seen;

  /** Blocking: reads the files once. */
  ConfigWatcher(Vertx vertx, Path file, ConfigLoader loader, Gateway gateway) {
    this.vertx = vertx;
    this.file = file;
    this.loader = loader;
    this.gateway = gateway;
    this.seen = fingerprint(gateway.config());
  }

  void watch(long periodMillis) {
    vertx.setPeriodic(periodMillis, id -> check(false));
  }

  /**
   * Reloads when the files changed since last seen, or always when forced (SIGHUP).
   *
   * @return whether a new configuration was applied
   */
  Future<Boolean> check(boolean force) {
    if (!checking.compareAndSet(false, true)) {
      // A SIGHUP during a poll is not dropped: it runs once the poll is done.
      forcePending.compareAndSet(false, force);
      return Future.succeededFuture(false);
    }
    return vertx.<GatewayConfig>executeBlocking(() -> {
        String now = fingerprint(gateway.config());
        if (now.equals(seen) && !force) {
          return null;
        }
        seen = now;
        try {
          GatewayConfig next = loader.load(file);
          seen = fingerprint(next);
          return next;
        } catch (ConfigException e) {
          LOG.error("{}: {} error(s); keeping the running configuration:\n  {}", file, e.errors().size(), String.join("\n  ", e.errors()));
          return null;
        }
      })
      .compose(next -> next == null ? Future.succeededFuture(false) : gateway.reload(next).map(restartNeeded -> {
        LOG.info("{}: reloaded ({})", file, StartupSummary.count(next.routes().size(), "route"));
        if (!restartNeeded.isEmpty()) {
          LOG.warn("{}: changes to {} take effect after a restart", file, String.join(", ", restartNeeded));
        }
        return true;
      }))
      .recover(failure -> {
        LOG.error("{}: reload failed; keeping the running configuration: {}", file, failure.getMessage());
        return Future.succeededFuture(false);
      })
      .onComplete(done -> {
        checking.set(false);
        if (forcePending.getAndSet(false)) {
          check(true);
        }
      });
  }

  /** A digest of the configuration file and the key and users files a configuration names. */
  private String fingerprint(GatewayConfig config) {
    List<Path> files = new ArrayList<>(List.of(file));
    for (KeyConfig key : config.tokens().keys()) {
      if (key.pem() != null) {
        files.add(key.pem());
      }
    }
    if (config.credentials().type() == CredentialsConfig.Type.USERS) {
      files.add(config.credentials().usersFile());
    }
    if (config.server().tls() != null) {
      files.add(config.server().tls().certPath());
      files.add(config.server().tls().keyPath());
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path path : files) {
        digest.update(path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try {
          digest.update(Files.readAllBytes(path));
        } catch (IOException e) {
          digest.update((byte) 0);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
