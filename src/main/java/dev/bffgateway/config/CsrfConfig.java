package dev.bffgateway.config;

import java.util.Set;

/**
 * Cross-site request forgery protection for cookie-authenticated requests.
 *
 * @param trustedOrigins      origins ({@code https://app.example.com}) allowed to send unsafe requests cross-site
 * @param requireHeaderName   a header every unsafe cookie-authenticated request must carry; null for none
 * @param requireHeaderValue  its value
 */
public record CsrfConfig(Set<String> trustedOrigins, String requireHeaderName, String requireHeaderValue) {
}
