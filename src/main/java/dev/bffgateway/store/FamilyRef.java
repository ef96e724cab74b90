package dev.bffgateway.store;

/** Which family a refresh token belongs to, and whose it is. */
public record FamilyRef(String familyId, String subject) {
}
