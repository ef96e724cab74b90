package dev.bffgateway.store;

/**
 * One signed-in device, as the "your devices" list shows it. Times are epoch milliseconds.
 */
public record FamilyInfo(String familyId, long createdAt, long lastUsedAt, String client) {
}
