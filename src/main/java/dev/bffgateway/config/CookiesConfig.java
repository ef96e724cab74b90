package dev.bffgateway.config;

/**
 * The gateway's cookies. Always HttpOnly and {@code Path=/}.
 *
 * @param accessToken        name of the access-token cookie (ServiceStack's {@code ss-tok})
 * @param refreshToken       name of the refresh-token cookie ({@code ss-reftok})
 * @param session            name of the session cookie ({@code ss-id})
 * @param secure             ALWAYS; or AUTO, which drops {@code Secure} only for plain-http requests from loopback
 * @param sameSite           {@code Lax} or {@code Strict}
 * @param domain             the {@code Domain} attribute; null for host-only cookies
 * @param refreshTokenCookie false to hand the refresh token out in response bodies instead
 */
public record CookiesConfig(String accessToken, String refreshToken, String session, Secure secure, String sameSite,
                            String domain, boolean refreshTokenCookie) {
  public enum Secure { ALWAYS, AUTO }
}
