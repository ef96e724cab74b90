package dev.bffgateway.credentials;

import io.vertx.core.Future;

import java.util.Optional;

/**
 * Password sign-in is off: the configuration names neither a users file nor a login API. Nobody signs in with
 * a password, and users who once did cannot refresh any more; OpenID sign-ins do not ask a verifier.
 */
public final class NoPasswordSignIn implements CredentialVerifier {
  public static final NoPasswordSignIn INSTANCE = new NoPasswordSignIn();

  private NoPasswordSignIn() {
  }

  @Override
  public Future<Optional<UserAccount>> verify(String userName, String password) {
    return Future.succeededFuture(Optional.empty());
  }

  @Override
  public Future<Optional<UserAccount>> lookup(UserAccount signedIn) {
    return Future.succeededFuture(Optional.empty());
  }
}
