package dev.bffgateway.store;

/**
 * A new refresh token: the only time the store ever sees the token itself.
 *
 * @param expiresAt epoch milliseconds
 */
public record IssuedRefreshToken(String token, String familyId, long expiresAt) {
  @Override
  public String toString() {
    return "IssuedRefreshToken[family=" + familyId + ", expiresAt=" + expiresAt + "]";
  }
}
