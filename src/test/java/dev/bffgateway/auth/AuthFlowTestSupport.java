package dev.bffgateway.auth;

import java.nio.file.Path;

/** The test users of the auth flow tests, for tests in other packages. */
public final class AuthFlowTestSupport {
  private AuthFlowTestSupport() {
  }

  /** alice / wonderland (Admin, orders.read), bob / builder (User), carol (disabled). */
  public static void writeUsers(Path dir) throws Exception {
    AuthFlowTest.writeUsers(dir, false);
  }
}
