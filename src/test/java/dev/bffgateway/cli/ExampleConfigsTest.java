package dev.bffgateway.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Redis examples in conf/ pass check-config as an operator would run it: with their environment set, and
 * their key and users files in place (here under a temporary directory instead of /etc/bff-gateway).
 */
class ExampleConfigsTest {
  @ParameterizedTest
  @ValueSource(strings = {"cluster.example.json", "cluster-sentinel.example.json", "cluster-redis-cluster.example.json"})
  void passesCheckConfig(String name, @TempDir Path dir) throws Exception {
    Path etc = dir.resolve("etc");
    Files.createDirectories(etc.resolve("users"));
    Files.copy(Path.of("conf/users.json"), etc.resolve("users/users.json"));
    Path web = Files.createDirectories(dir.resolve("www"));
    Path file = dir.resolve(name);
    Files.writeString(file, Files.readString(Path.of("conf", name)).replace("/etc/bff-gateway/", etc + "/"));
    Map<String, String> env = Map.of("BFF_REDIS_URL", "redis://:secret@redis.internal:6379/0", "BFF_REDIS_PASSWORD", "secret",
      "BFF_METRICS_TOKEN", "0123456789abcdef0123456789abcdef", "BFF_WEB_ROOT", web.toString(), "BFF_DATA_DIR", dir.resolve("data").toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli = new Cli(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), env::get);

    assertEquals(Cli.OK, cli.execute("gen-key", "--out", etc.resolve("keys/2026-06.pem").toString()), err.toString(StandardCharsets.UTF_8));
    out.reset();
    assertEquals(Cli.OK, cli.execute("check-config", "--conf", file.toString()), err.toString(StandardCharsets.UTF_8));
    assertEquals(file + ": valid (2 routes)\n", out.toString(StandardCharsets.UTF_8));
  }
}
