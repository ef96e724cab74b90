package dev.bffgateway.store;

import io.vertx.core.json.JsonObject;

/**
 * What a valid refresh token stands for.
 *
 * @param expiresAt       when the token presented (or, after ROTATED, its successor) expires; epoch milliseconds
 * @param familyExpiresAt the absolute end of the family; epoch milliseconds
 */
public record RefreshRecord(String familyId, String subject, JsonObject user, long expiresAt, long familyExpiresAt) {
}
