package dev.bffgateway.support;

import dev.bffgateway.Gateway;
import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.ConfigLoader;
import dev.bffgateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;

/** Starts a real gateway on a free port from a JSON configuration, as a user would write it. */
public final class TestGateway {
  private TestGateway() {
  }

  /** The configuration with one event loop, port 0 and its data under {@code dataDir}, plus these routes. */
  public static JsonObject config(Path dataDir, JsonArray routes) {
    return new JsonObject()
      .put("dataDir", dataDir.toString())
      .put("server", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
      .put("routes", routes);
  }

  public static JsonObject route(String id, String path, String upstream) {
    return new JsonObject().put("id", id).put("path", path).put("upstream", upstream);
  }

  public static GatewayConfig parse(JsonObject json) {
    try {
      return new ConfigLoader(Map.<String, String>of()::get, 2).parse(json.encode());
    } catch (ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  public static Future<Gateway> start(Vertx vertx, JsonObject json) {
    return Gateway.start(vertx, parse(json));
  }

  public static Future<Gateway> start(Vertx vertx, JsonObject json, java.time.Clock clock) {
    return Gateway.start(vertx, parse(json), clock);
  }
}
