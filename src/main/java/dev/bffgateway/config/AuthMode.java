package dev.bffgateway.config;

/** What a route asks of the caller's identity before the request reaches its upstream. */
public enum AuthMode {
  /** No token handling; the gateway's cookies are still stripped. */
  NONE,
  /** The user's token is injected when there is a valid one; the request goes on without one otherwise. */
  OPTIONAL,
  /** 401 without a valid user: the upstream is never called. */
  REQUIRED
}
