package dev.bffgateway.config;

import java.nio.file.Path;

/**
 * Where refresh-token families, sessions and sign-in throttling live.
 *
 * @param sqlitePath the database file (type sqlite)
 * @param redis      where Redis is (type redis); null otherwise
 */
public record StoreConfig(Type type, Path sqlitePath, RedisConfig redis, int purgeIntervalSeconds) {
  public enum Type {
    /** Lost at every restart: tests and throwaway runs. */
    MEMORY,
    /** One file under the data directory: the embedded default. */
    SQLITE,
    /** Shared by several gateway instances. */
    REDIS
  }

  @Override
  public String toString() {
    return "StoreConfig[type=" + type + ", sqlitePath=" + sqlitePath + ", redis=" + redis + "]";
  }
}
