package dev.bffgateway;

import dev.bffgateway.config.GatewayConfig;
import dev.bffgateway.token.TokenKeys;
import dev.bffgateway.token.Tokens;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** A running gateway: one {@link GatewayVerticle} per configured event-loop instance, sharing one port. */
public final class Gateway {
  private final Vertx vertx;
  private final String deploymentId;
  private final int port;

  private Gateway(Vertx vertx, String deploymentId, int port) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.port = port;
  }

  /** Loads the keys (generating the default one at first start) off the event loop, then deploys. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config) {
    AtomicInteger port = new AtomicInteger();
    return vertx.executeBlocking(() -> {
        prepareDataDir(config.dataDir());
        return new Tokens(config.tokens(), TokenKeys.load(config.tokens(), config.dataDir()), Clock.systemUTC());
      })
      .compose(tokens -> vertx.deployVerticle(() -> new GatewayVerticle(config, tokens, port::set),
        new DeploymentOptions().setInstances(config.server().instances())))
      .map(id -> new Gateway(vertx, id, port.get()));
  }

  /** The port actually listened on (differs from the configured one when that is 0). */
  public int port() {
    return port;
  }

  public Future<Void> stop() {
    return vertx.undeploy(deploymentId);
  }

  /** Keys and the embedded database live here, so only the gateway's own user may read it. */
  private static Path prepareDataDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    return dir;
  }
}
