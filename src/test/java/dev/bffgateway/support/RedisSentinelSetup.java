package dev.bffgateway.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sentinel-managed Redis of the test's own: one primary, two replicas and three sentinels ({@code redis-server
 * --sentinel}), on free loopback ports, with short failure detection so that a failover takes a few seconds.
 */
public final class RedisSentinelSetup implements AutoCloseable {
  public static final String MASTER_NAME = "bffmaster";

  private final List<RedisServer> servers = new ArrayList<>();
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final Path dir;

  private RedisSentinelSetup(Path dir) {
    this.dir = dir;
  }

  public static RedisSentinelSetup start(Path dir) throws IOException {
    RedisSentinelSetup setup = new RedisSentinelSetup(dir);
    try {
      RedisServer primary = RedisServer.start(dir);
      setup.servers.add(primary);
      for (int i = 0; i < 2; i++) {
        setup.servers.add(RedisServer.start(dir, List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port()))));
      }
      for (int i = 0; i < 3; i++) {
        int port = RedisServer.freePort();
        Path conf = dir.resolve("sentinel-" + port + ".conf");
        Files.writeString(conf, String.join("\n",
          "port " + port, "bind 127.0.0.1", "dir " + dir,
          "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 2",
          "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
          "sentinel failover-timeout " + MASTER_NAME + " 5000",
          "sentinel parallel-syncs " + MASTER_NAME + " 2", ""));
        setup.sentinelPorts.add(port);
        setup.sentinels.add(RedisServer.startAndAwait(List.of("redis-server", conf.toString(), "--sentinel"), port,
          dir.resolve("sentinel-" + port + ".log")));
      }
      // Ready when the replicas are in sync and every sentinel knows both replicas and the other sentinels.
      Poll.until("replicas in sync", Duration.ofSeconds(30), () -> setup.servers.subList(1, 3).stream()
        .allMatch(replica -> RedisServer.cli(replica.port(), "INFO", "replication").contains("master_link_status:up")));
      Poll.until("sentinels to see the replicas and each other", Duration.ofSeconds(30), () -> setup.sentinelPorts.stream()
        .allMatch(port -> {
          String master = RedisServer.cli(port, "SENTINEL", "MASTER", MASTER_NAME);
          return field(master, "num-slaves").equals("2") && field(master, "num-other-sentinels").equals("2");
        }));
      return setup;
    } catch (IOException | RuntimeException e) {
      setup.close();
      throw e;
    }
  }

  /** What the store's {@code sentinels} setting takes. */
  public List<String> sentinelUrls() {
    return sentinelPorts.stream().map(port -> "redis://127.0.0.1:" + port).toList();
  }

  /** The port the sentinels name as the primary now. */
  public int primaryPort() {
    String[] address = RedisServer.cli(sentinelPorts.get(0), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).trim().split("\n");
    return Integer.parseInt(address[1].trim());
  }

  public RedisServer primary() {
    int port = primaryPort();
    return servers.stream().filter(server -> server.port() == port).findFirst().orElseThrow();
  }

  /**
   * Kills the primary (SIGKILL) while its replicas lag behind it, as after a network stall: they are stopped, the
   * primary fills the sockets to them with a large value, then takes {@code lagBytes} of the gateways' writes,
   * which stay in its own buffers, and dies; the replicas go on without those writes. Returns at once; the
   * sentinels fail over within seconds.
   */
  public RedisServer killPrimaryAhead(long lagBytes) throws IOException, InterruptedException {
    RedisServer primary = primary();
    List<RedisServer> replicas = servers.stream().filter(server -> server != primary && server.alive()).toList();
    Path filler = dir.resolve("filler");
    Files.write(filler, new byte[32 << 20]);
    replicas.forEach(RedisServer::pause);
    try {
      RedisServer.run(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-x", "SET", "filler"), filler);
      long filled = offset(primary.port());
      Poll.until("the primary to run ahead of its replicas", Duration.ofSeconds(30), () -> offset(primary.port()) > filled + lagBytes);
      primary.kill();
    } finally {
      replicas.forEach(RedisServer::resume);
    }
    return primary;
  }

  private static long offset(int port) {
    return Long.parseLong(field(RedisServer.cli(port, "INFO", "replication").replace(':', '\n'), "master_repl_offset"));
  }

  /** Waits until the sentinels name a new primary that answers as one and has a replica in sync. */
  public void awaitPrimaryOtherThan(RedisServer old, Duration timeout) {
    Poll.until("a new primary", timeout, () -> {
      int port = primaryPort();
      return port != old.port() && RedisServer.cli(port, "INFO", "replication").contains("role:master");
    });
  }

  /** A "key: value" pair in redis-cli's flat reply (one element a line). */
  private static String field(String reply, String name) {
    String[] lines = reply.split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].trim().equals(name)) {
        return lines[i + 1].trim();
      }
    }
    return "";
  }

  @Override
  public void close() {
    sentinels.forEach(Process::destroyForcibly);
    for (RedisServer server : servers) {
      try {
        server.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
