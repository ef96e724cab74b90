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

  /** Points the configuration's store at a Redis started by the test. */
  public static JsonObject redisStore(JsonObject config, RedisServer redis) {
    return config.put("store", new JsonObject().put("type", "redis").put("redis", new JsonObject().put("url", redis.url())));
  }

  /** Points the configuration's store at a Sentinel-managed Redis started by the test. */
  public static JsonObject redisStore(JsonObject config, RedisSentinelSetup redis) {
    return config.put("store", new JsonObject().put("type", "redis").put("redis", new JsonObject()
      .put("sentinels", new JsonArray(redis.sentinelUrls())).put("masterName", RedisSentinelSetup.MASTER_NAME)));
  }

  /** Points the configuration's store at a Redis Cluster started by the test. */
  public static JsonObject redisStore(JsonObject config, RedisClusterSetup redis) {
    return config.put("store", new JsonObject().put("type", "redis").put("redis", new JsonObject()
      .put("cluster", new JsonArray(redis.nodeUrls()))));
  }

  /** The number a SQL count query returns on the gateway's SQLite file in dataDir: the store's own state. */
  public static long count(Path dataDir, String sql) throws java.sql.SQLException {
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bff-gateway.db"));
         java.sql.Statement statement = connection.createStatement(); java.sql.ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The decoded payload of a JWT, unverified: for asserting on what the gateway minted. */
  public static JsonObject claims(String token) {
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8));
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
