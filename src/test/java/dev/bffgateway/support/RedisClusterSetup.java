package dev.bffgateway.support;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster of the test's own: three primaries and a replica each, on free loopback ports, made with
 * {@code redis-cli --cluster create}.
 */
public final class RedisClusterSetup implements AutoCloseable {
  private final List<RedisServer> nodes = new ArrayList<>();

  private RedisClusterSetup() {
  }

  public static RedisClusterSetup start(Path dir) throws IOException {
    RedisClusterSetup setup = new RedisClusterSetup();
    try {
      for (int i = 0; i < 6; i++) {
        // The bus port is named: by default it is the port + 10000, past 65535 for a free port above 55535.
        setup.nodes.add(RedisServer.start(dir, List.of("--cluster-enabled", "yes", "--cluster-port", Integer.toString(RedisServer.freePort()),
          "--cluster-config-file", dir.resolve("nodes-" + i + ".conf").toString(), "--cluster-node-timeout", "2000")));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      setup.nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      RedisServer.run(create);
      Poll.until("every node to see the cluster ok", Duration.ofSeconds(30), () -> setup.nodes.stream()
        .allMatch(node -> RedisServer.cli(node.port(), "CLUSTER", "INFO").contains("cluster_state:ok")));
      setup.awaitReplicasInSync();
      return setup;
    } catch (IOException | RuntimeException e) {
      setup.close();
      throw e;
    }
  }

  /** Every primary has its replica, in sync. */
  public void awaitReplicasInSync() {
    Poll.until("the replicas in sync", Duration.ofSeconds(30), () -> nodes.stream()
      .map(node -> RedisServer.cli(node.port(), "INFO", "replication"))
      .allMatch(info -> info.contains("role:master") ? info.contains("connected_slaves:1") : info.contains("master_link_status:up")));
  }

  /** Kills a primary (SIGKILL) and waits until the cluster has promoted its replica and is whole again. */
  public RedisServer killPrimaryAndAwaitFailover() throws InterruptedException {
    RedisServer primary = nodes.stream().filter(node -> RedisServer.cli(node.port(), "INFO", "replication").contains("role:master"))
      .findFirst().orElseThrow();
    primary.kill();
    RedisServer survivor = nodes.stream().filter(node -> node != primary).findFirst().orElseThrow();
    Poll.until("the replica's promotion", Duration.ofSeconds(30), () -> nodes.stream().filter(node -> node != primary)
      .allMatch(node -> RedisServer.cli(node.port(), "CLUSTER", "INFO").contains("cluster_state:ok"))
      && RedisServer.cli(survivor.port(), "CLUSTER", "NODES").lines()
        .filter(line -> line.contains(":" + primary.port() + "@")).allMatch(line -> line.contains("fail")));
    return primary;
  }

  /** What the store's {@code cluster} setting takes: any of the nodes will do, the client learns the rest. */
  public List<String> nodeUrls() {
    return nodes.stream().map(node -> "redis://127.0.0.1:" + node.port()).toList();
  }

  /**
   * Moves {@code slots} slots, with their keys, from one primary to another ({@code redis-cli --cluster reshard}),
   * as an operator adding capacity would. Blocks until the move is done.
   */
  public void reshard(int slots) {
    List<String> primaries = RedisServer.cli(nodes.get(0).port(), "CLUSTER", "NODES").lines()
      .filter(line -> line.contains("master") && !line.contains("fail")).map(line -> line.split(" ")[0]).toList();
    RedisServer.run(List.of("redis-cli", "--cluster", "reshard", "127.0.0.1:" + nodes.get(0).port(),
      "--cluster-from", primaries.get(0), "--cluster-to", primaries.get(1), "--cluster-slots", Integer.toString(slots),
      "--cluster-yes"));
  }

  @Override
  public void close() {
    for (RedisServer node : nodes) {
      try {
        node.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
