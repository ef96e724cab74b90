package dev.bffgateway.config;

/**
 * Server sessions behind the {@code ss-id} cookie.
 *
 * @param mode               TOKENS: sign-in hands the tokens to the browser (ServiceStack's flow);
 *                           SESSION: pure BFF, the browser holds only {@code ss-id} and the gateway keeps the tokens
 * @param idleTimeoutSeconds a session unused this long ends
 * @param maxLifetimeSeconds a session ends this long after sign-in, however busy
 */
public record SessionsConfig(Mode mode, long idleTimeoutSeconds, long maxLifetimeSeconds) {
  public enum Mode { TOKENS, SESSION }

  public boolean pureBff() {
    return mode == Mode.SESSION;
  }
}
