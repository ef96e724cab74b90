package dev.bffgateway.credentials;

import io.vertx.core.Vertx;
import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.CredentialsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordHashTest {
  @Test
  void defaultHashesArePbkdf2Sha256PhcStringsWithOwaspIterations() {
    String hash = PasswordHash.create("correct horse".toCharArray(), PasswordHash.DEFAULT_ITERATIONS);
    assertTrue(hash.matches("\\$pbkdf2-sha256\\$i=600000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), hash);
    PasswordHash parsed = PasswordHash.parse(hash);
    assertEquals(600_000, parsed.iterations());
    assertTrue(parsed.matches("correct horse".toCharArray()));
    assertFalse(parsed.matches("correct horse ".toCharArray()));
    assertNotEquals(hash, PasswordHash.create("correct horse".toCharArray(), PasswordHash.DEFAULT_ITERATIONS), "salted");
  }

  @Test
  void refusesWhatIsNotOurFormat() {
    assertNull(PasswordHash.parse(null));
    assertNull(PasswordHash.parse("plaintext"));
    assertNull(PasswordHash.parse("$2b$12$abcdefghijklmnopqrstuv"));
    assertNull(PasswordHash.parse("$pbkdf2-sha256$i=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
  }

  @Test
  void usersFileErrorsNameTheirPaths(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("users.json"), """
      { "users": [
          { "userName": "alice", "passwordHash": "plaintext" },
          { "userName": "ALICE", "passwordHash": "%s", "role": "Admin" },
          { "passwordHash": "%s" } ] }
      """.formatted(PasswordHash.create("x".toCharArray(), 1000), PasswordHash.create("y".toCharArray(), 1000)));
    Vertx vertx = Vertx.vertx();
    try {
      PasswordChecks checks = new PasswordChecks(vertx, new CredentialsConfig.Checks(1, 0));
      ConfigException e = assertThrows(ConfigException.class, () -> UsersFileVerifier.load(file, checks, 1000));
      assertEquals(List.of(
        file + ": users[0].passwordHash: is not a $pbkdf2-sha256$i=…$salt$hash string (make one with: bff-gateway hash-password)",
        file + ": users[1].role: unknown key (did you mean \"roles\"?)",
        file + ": users[2].userName: is required"), e.errors());
      Files.writeString(file, "{ \"users\": [\n  { \"userName\": \"alice\" \"passwordHash\": \"x\" }\n] }");
      assertEquals(List.of(file + ":2:25: unexpected character ('\"'): was expecting comma to separate Object entries"),
        assertThrows(ConfigException.class, () -> UsersFileVerifier.check(file, 1000)).errors());
    } finally {
      vertx.close().await();
    }
  }
}
