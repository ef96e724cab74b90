package dev.bffgateway.config;

/** What a route asks of the caller's identity before the request reaches its upstream. */
public enum AuthMode {
  /** No token handling. */
  NONE;

  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
