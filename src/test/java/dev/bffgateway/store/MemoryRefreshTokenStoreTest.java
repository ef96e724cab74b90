package dev.bffgateway.store;

import dev.bffgateway.config.RefreshTokensConfig;
import dev.bffgateway.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Nested;

class MemoryRefreshTokenStoreTest extends RefreshTokenStoreContract {
  @Override
  Future<RefreshTokenStore> open(Vertx vertx, RefreshTokensConfig lifetimes, MutableClock clock) {
    return Future.succeededFuture(new MemoryRefreshTokenStore(new RefreshPolicy(lifetimes, clock)));
  }

  @Nested
  class Families extends FamilyContract {
  }

  @Nested
  class SubjectRevocations extends SubjectRevocationContract {
  }

  @Nested
  class ProviderGrants extends ProviderGrantContract {
  }

  @Nested
  class SignInAttempts extends SignInAttemptContract {
  }

  @Nested
  class Sessions extends SessionContract {
  }

  @Nested
  class Lifecycle extends LifecycleContract {
  }
}
