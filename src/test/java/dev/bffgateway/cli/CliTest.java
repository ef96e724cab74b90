package dev.bffgateway.cli;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Cli cli = new Cli(new java.io.ByteArrayInputStream("correct horse battery staple\n".getBytes(StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
    Map.of("UPSTREAM", "http://127.0.0.1:9000")::get);

  @Test
  void helpListsTheCommands() {
    assertEquals(Cli.OK, cli.execute("--help"));
    assertTrue(stdout().contains("check-config"), stdout());
    assertEquals(Cli.OK, cli.execute("run", "--help"));
    assertTrue(stdout().contains("Usage: bff-gateway run [--conf FILE]"), stdout());
  }

  /** bin/bff-gateway runs the jar under the name the usage texts give, so they must all give it. */
  @Test
  void everyUsageNamesTheCommandAsBffGateway() {
    assertEquals(Cli.OK, cli.execute("--help"));
    String usage = stdout();
    assertTrue(usage.startsWith("Usage: bff-gateway <command> [options]\n"), usage);
    List<String> commands = usage.lines().dropWhile(line -> !line.equals("Commands:")).skip(1)
      .takeWhile(line -> !line.isBlank()).map(line -> line.trim().split(" ")[0]).filter(command -> !command.equals("help")).toList();
    assertTrue(commands.containsAll(List.of("run", "check-config", "gen-key", "hash-password")), commands.toString());
    for (String command : commands) {
      out.reset();
      assertEquals(Cli.OK, cli.execute(command, "--help"), command);
      assertTrue(stdout().startsWith("Usage: bff-gateway " + command + " "), stdout());
    }
  }

  @Test
  void badUsageExitsWith2() {
    assertEquals(Cli.INVALID, cli.execute());
    assertEquals(Cli.INVALID, cli.execute("serve"));
    assertTrue(stderr().contains("Unknown command: serve"), stderr());
    assertEquals(Cli.INVALID, cli.execute("check-config", "--config", "x.json"));
    assertTrue(stderr().contains("Unknown argument: --config"), stderr());
    assertEquals(Cli.INVALID, cli.execute("check-config", "--conf"));
    assertEquals(Cli.INVALID, cli.execute("run", "--watch", "often"), "checked before anything starts");
    assertTrue(stderr().contains("Missing value for --conf"), stderr());
  }

  @Test
  void checkConfigAcceptsAValidFile(@TempDir Path dir) throws Exception {
    Path file = writeConfig(dir,
      "{ \"routes\": [ { \"id\": \"api\", \"path\": \"/api\", \"upstream\": \"${UPSTREAM}\" } ] }");
    assertEquals(Cli.OK, cli.execute("check-config", "--conf", file.toString()));
    assertEquals(file + ": valid (1 route)\n", stdout());
  }

  @Test
  void checkConfigWarnsAboutUsersHashedAtAnotherCost(@TempDir Path dir) throws Exception {
    Path file = writeConfig(dir, "{ \"credentials\": { \"usersFile\": \"users.json\", \"hashIterations\": 700000 } }");
    assertEquals(Cli.OK, cli.execute("check-config", "--conf", file.toString()));
    String[] lines = stdout().split("\n");
    assertEquals(4, lines.length, stdout());
    for (String user : List.of("alice", "bob", "carol")) {
      assertTrue(stdout().contains("warning: " + dir.resolve("users.json") + ": user \"" + user + "\" is hashed with 600000 iterations, "
        + "not credentials.hashIterations (700000); it is re-hashed at its next sign-in\n"), stdout());
    }
    assertEquals(file + ": valid (0 routes)", lines[3]);
  }

  @Test
  void checkConfigPrintsEveryErrorAndExitsWith2(@TempDir Path dir) throws Exception {
    Path file = writeConfig(dir,
      "{ \"server\": { \"port\": 70000 }, \"routes\": [ { \"id\": \"api\", \"path\": \"/api\", \"upstream\": \"htp://x\" } ] }");
    assertEquals(Cli.INVALID, cli.execute("check-config", "--conf=" + file));
    assertEquals(file + ": 2 errors\n"
      + "  server.port: 70000 is out of range (0 to 65535)\n"
      + "  routes[0].upstream: \"htp://x\" is not an http(s) URL\n", stderr());
  }

  @Test
  void missingFileExitsWith2(@TempDir Path dir) {
    assertEquals(Cli.INVALID, cli.execute("check-config", "--conf", dir.resolve("none.json").toString()));
    assertTrue(stderr().contains("no such file"), stderr());
    assertEquals(Cli.INVALID, cli.execute("run", "--conf", dir.resolve("none.json").toString()));
  }

  @Test
  void runExitsWith1WhenThePortIsTaken(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      NetServer taken = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
      Path file = writeConfig(dir, "{ \"dataDir\": \"" + dir.resolve("data")
        + "\", \"server\": { \"port\": " + taken.actualPort() + ", \"instances\": 1 } }");
      assertEquals(Cli.FAILED, cli.execute("run", "--conf", file.toString()));
      assertTrue(stderr().startsWith("bff-gateway could not start: cannot listen on 127.0.0.1:" + taken.actualPort()
        + ": address already in use (stop what holds it, or set server.port"), stderr());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void genKeyWritesAnOwnerOnlyKeyThatCheckConfigAndJwksAccept(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("signing.pem");
    assertEquals(Cli.OK, cli.execute("gen-key", "--alg", "EdDSA", "--out", key.toString()));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals(Cli.FAILED, cli.execute("gen-key", "--out", key.toString()), "never overwrites a key");
    assertEquals(Cli.INVALID, cli.execute("gen-key", "--alg", "HS256", "--out", dir.resolve("x.pem").toString()));

    Path file = writeConfig(dir, "{ \"dataDir\": \"" + dir.resolve("data")
      + "\", \"tokens\": { \"keys\": [ { \"id\": \"ed\", \"pem\": \"" + key + "\" } ] } }");
    assertEquals(Cli.OK, cli.execute("check-config", "--conf", file.toString()));
    out.reset();
    assertEquals(Cli.OK, cli.execute("jwks", "--conf", file.toString()));
    io.vertx.core.json.JsonObject jwk = new io.vertx.core.json.JsonObject(stdout()).getJsonArray("keys").getJsonObject(0);
    assertEquals("ed", jwk.getString("kid"));
    assertEquals("EdDSA", jwk.getString("alg"));
    assertEquals("OKP", jwk.getString("kty"));
  }

  @Test
  void keyFilesThatCannotBeUsedAreConfigurationErrors(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Path file = writeConfig(dir, "{ \"dataDir\": \"" + dir.resolve("data")
      + "\", \"server\": { \"port\": 0, \"instances\": 1 }, \"tokens\": { \"keys\": [ { \"pem\": \"" + key + "\" } ] } }");
    assertEquals(Cli.INVALID, cli.execute("check-config", "--conf", file.toString()));
    assertTrue(stderr().contains("tokens.keys[0].pem: " + key + " holds a private key that is not P-256, RSA or Ed25519 PKCS#8"), stderr());
    assertEquals(Cli.INVALID, cli.execute("run", "--conf", file.toString()));
  }

  @Test
  void checkConfigValidatesTheUsersFile(@TempDir Path dir) throws Exception {
    Path users = Files.writeString(dir.resolve("users.json"), "{ \"users\": [ { \"userName\": \"a\", \"passwordHash\": \"plain\" } ] }");
    Path file = Files.writeString(dir.resolve("gateway.json"), "{ \"credentials\": { \"usersFile\": \"" + users + "\" } }");
    assertEquals(Cli.INVALID, cli.execute("check-config", "--conf", file.toString()));
    assertTrue(stderr().contains(users + ": users[0].passwordHash: is not a $pbkdf2-sha256$"), stderr());
  }

  @Test
  void relativePathsFollowTheConfigFileNotTheWorkingDirectory(@TempDir Path dir) throws Exception {
    // The JVM runs in the checkout: resolved against it, these paths would miss the files beside the config.
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Files.copy(Path.of("conf/users.json"), etc.resolve("users.json"));
    Path file = Files.writeString(etc.resolve("gateway.json"), "{ \"dataDir\": \"../state\", \"credentials\": { \"usersFile\": \"users.json\" } }");
    String relative = Path.of("").toAbsolutePath().relativize(file).toString();
    assertTrue(relative.startsWith(".."), relative);

    assertEquals(Cli.OK, cli.execute("check-config", "--conf", relative), stderr());
    assertFalse(Files.exists(dir.resolve("state")), "check-config creates nothing");
    assertEquals(Cli.OK, cli.execute("jwks", "--conf", relative), stderr());
    assertTrue(Files.isRegularFile(dir.resolve("state/keys/es256.pem")));
  }

  @Test
  void jwksCreatesTheDataDirOwnerOnlyAsRunDoes(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Path file = writeConfig(dir, "{ \"dataDir\": \"" + data + "\" }");
    assertEquals(Cli.OK, cli.execute("jwks", "--conf", file.toString()), stderr());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("keys"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("keys/es256.pem"))));
  }

  @Test
  void hashPasswordReadsStandardInput() {
    assertEquals(Cli.OK, cli.execute("hash-password", "--iterations", "100000"));
    String hash = stdout().trim();
    assertTrue(hash.startsWith("$pbkdf2-sha256$i=100000$"), hash);
    assertTrue(dev.bffgateway.credentials.PasswordHash.parse(hash).matches("correct horse battery staple".toCharArray()));
    assertEquals(Cli.INVALID, cli.execute("hash-password", "--iterations", "10"));
  }

  @Test
  void hashPasswordAtATerminalAsksTwiceWithoutEchoAndRefusesADifferentRepeat() {
    List<String> prompts = new ArrayList<>();
    List<char[]> typed = new ArrayList<>();
    Deque<String> lines = new ArrayDeque<>(List.of("tr0ub4dor&3", "tr0ub4dor&3", "tr0ub4dor&3", "tr0ub4dor&4"));
    PasswordInput.Terminal terminal = prompt -> {
      prompts.add(prompt);
      if (lines.isEmpty()) {
        return null;
      }
      char[] line = lines.pop().toCharArray();
      typed.add(line);
      return line;
    };
    Cli atTerminal = new Cli(new java.io.ByteArrayInputStream("not this one\n".getBytes(StandardCharsets.UTF_8)),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), name -> null, terminal);

    assertEquals(Cli.OK, atTerminal.execute("hash-password", "--iterations", "100000"));
    assertEquals(List.of("Password: ", "Repeat: "), prompts);
    String hash = stdout().trim();
    assertTrue(dev.bffgateway.credentials.PasswordHash.parse(hash).matches("tr0ub4dor&3".toCharArray()), "the typed password, not stdin's");
    assertEquals(2, typed.size());
    for (char[] line : typed) {
      assertEquals(new String(new char[line.length]), new String(line), "wiped once hashed");
    }

    assertEquals(Cli.INVALID, atTerminal.execute("hash-password", "--iterations", "100000"));
    assertTrue(stderr().contains("the two passwords differ; nothing was hashed"), stderr());
    assertEquals(hash, stdout().trim(), "no second hash printed");
    assertEquals(4, typed.size());
    for (char[] line : typed) {
      assertEquals(new String(new char[line.length]), new String(line), "wiped when refused too");
    }

    assertEquals(Cli.INVALID, atTerminal.execute("hash-password"), "end of input at the first prompt");
    assertTrue(stderr().contains("no password typed"), stderr());
  }

  /** gateway.json in dir, with the demo users file beside it, where the default usersFile is. */
  private static Path writeConfig(Path dir, String json) throws java.io.IOException {
    Files.copy(Path.of("conf/users.json"), dir.resolve("users.json"));
    return Files.writeString(dir.resolve("gateway.json"), json);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
