package dev.bffgateway.config;

/**
 * The admin API under {@code /admin}, for users with {@code role}: revoke a user everywhere, list a user's
 * sessions. Off by default; when on, {@code /admin} belongs to the gateway.
 */
public record AdminConfig(boolean enabled, String role) {
  public static final String PATH = "/admin";
}
