package dev.bffgateway.store;

/**
 * The result of presenting a refresh token.
 *
 * @param newToken the successor: when ROTATED, and when GRACE answers the retry of a rotation whose answer the
 *                 client never had (the store could not confirm it, docs/deployment.md#failover)
 * @param record   the family's data, when ROTATED, KEPT or GRACE
 */
public record Rotation(Outcome outcome, String newToken, RefreshRecord record) {
  public enum Outcome {
    /** The token was current: here is its successor. */
    ROTATED,
    /** The token was current and stays so, its expiry slid forward: a client that keeps one refresh token. */
    KEPT,
    /** Rotated moments ago by a concurrent request: a new access token, but no new refresh token. */
    GRACE,
    /** Rotated longer ago: a replay of a stolen token, or of a lost one. The family has been revoked. */
    REUSED,
    EXPIRED,
    REVOKED,
    UNKNOWN;

    public boolean refreshes() {
      return this == ROTATED || this == KEPT || this == GRACE;
    }
  }

  static Rotation rotated(String newToken, RefreshRecord record) {
    return new Rotation(Outcome.ROTATED, newToken, record);
  }

  static Rotation kept(RefreshRecord record) {
    return new Rotation(Outcome.KEPT, null, record);
  }

  static Rotation grace(RefreshRecord record) {
    return grace(record, null);
  }

  static Rotation grace(RefreshRecord record, String successor) {
    return new Rotation(Outcome.GRACE, successor, record);
  }

  static Rotation failed(Outcome outcome) {
    return new Rotation(outcome, null, null);
  }

  @Override
  public String toString() {
    return "Rotation[" + outcome + (record == null ? "" : ", family=" + record.familyId()) + "]";
  }
}
