package dev.bffgateway.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What an OpenID provider issued for a family's sign-in, kept with the family and gone with it. Fails as
 * {@link Store} says.
 */
public interface ProviderGrantStore {

  /**
   * Keeps what an OpenID provider issued for the family's sign-in (its access, refresh and ID tokens) with the
   * family, replacing what was kept before. Revoking or purging the family deletes it. False when the family
   * is no longer live, and nothing is kept.
   *
   * @param providerSession the provider's session ({@code {provider}|{sid}}) the family was signed in with,
   *                        or null; a back-channel logout naming that session ends the family
   */
  Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant);

  /** What {@link #putProviderGrant} kept for a live family, or null. */
  Future<JsonObject> providerGrant(String familyId);

  /** The live families signed in with this provider session ({@code {provider}|{sid}}). */
  Future<List<String>> familiesOfProviderSession(String providerSession);
}
