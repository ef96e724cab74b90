package dev.bffgateway.credentials;

import io.vertx.core.Future;

import java.util.Optional;

/**
 * Checks user names and passwords, and finds users again when their tokens are refreshed. An empty result means
 * "no such user, or wrong password" (never which); a failed future means the verifier could not answer
 * ({@link VerifierUnavailableException}), which must never turn into a sign-in or a sign-out.
 */
public interface CredentialVerifier {
  Future<Optional<UserAccount>> verify(String userName, String password);

  /**
   * The user as of now, for a refresh: gone or disabled users cannot refresh, changed roles show up.
   *
   * @param signedIn the user as it was at sign-in, kept with the refresh-token family
   */
  Future<Optional<UserAccount>> lookup(UserAccount signedIn);
}
