package dev.bffgateway.config;

import java.util.List;

/**
 * How the gateway reaches Redis (or Valkey): one server, a Sentinel-managed primary, or a Redis Cluster.
 *
 * @param endpoints          the server's URL (standalone), the sentinels' URLs, or some cluster nodes' URLs
 * @param masterName         the name the sentinels know the primary by (Sentinel only)
 * @param user               ACL user, or null: the default user, or the one a URL names
 * @param password           or null: the one a URL holds, if any
 * @param minReplicasAcked   replicas that must hold a family's change before the client is told of it (WAIT)
 * @param replicaAckTimeoutMs how long to wait for them before answering 503
 */
public record RedisConfig(Topology topology, List<String> endpoints, String masterName, String user, String password,
                          String keyPrefix, int minReplicasAcked, int replicaAckTimeoutMs) {
  public enum Topology { STANDALONE, SENTINEL, CLUSTER }

  public RedisConfig {
    endpoints = List.copyOf(endpoints);
  }

  @Override
  public String toString() {
    // URLs and the password may carry secrets.
    return "RedisConfig[" + topology + ", " + endpoints.size() + " endpoint(s), minReplicasAcked=" + minReplicasAcked + "]";
  }
}
