package dev.bffgateway.config;

import java.nio.file.Path;

/**
 * Where refresh-token families, sessions and sign-in throttling live.
 *
 * @param sqlitePath the database file (type sqlite)
 * @param redisUrl   {@code redis://[:password@]host:port/db} (type redis); null otherwise
 */
public record StoreConfig(Type type, Path sqlitePath, String redisUrl, String redisKeyPrefix, int purgeIntervalSeconds) {
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
    // The Redis URL may carry a password.
    return "StoreConfig[type=" + type + ", sqlitePath=" + sqlitePath + ", redis=" + (redisUrl == null ? "none" : "(set)") + "]";
  }
}
