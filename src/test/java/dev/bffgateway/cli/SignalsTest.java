package dev.bffgateway.cli;

import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real process: SIGHUP reloads the configuration, SIGTERM drains in-flight requests before exiting. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class SignalsTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  @Test
  void hangupReloadsAndTerminateDrains(Vertx vertx, @TempDir Path dir) throws Exception {
    // Under nohup the gateway inherits SIGHUP ignored and the JVM installs no handler for it: the reload below would
    // wait for a line that never comes, in a read no timeout interrupts.
    Assumptions.assumeFalse(hangupIgnored(), "SIGHUP is ignored in this process (nohup?): the gateway cannot catch it");
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    Promise<Void> arrived = Promise.promise();
    Promise<Void> release = Promise.promise();
    upstream.handler(request -> upstream.record(request).onSuccess(received -> {
      if (request.path().endsWith("/slow")) {
        arrived.tryComplete();
        release.future().onComplete(done -> request.response().end("slow done"));
      } else {
        request.response().end("fast");
      }
    }));
    Path file = dir.resolve("gateway.json");
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("a", "/a", upstream.url())))
      .put("store", new JsonObject().put("type", "memory"));
    Files.writeString(file, config.encode());
    Files.copy(Path.of("conf/users.json"), dir.resolve("users.json"));

    Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--conf", file.toString(), "--watch", "0")
      .redirectErrorStream(true).start();
    try {
      BufferedReader output = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      for (String line = output.readLine(); line != null && port < 0; line = port < 0 ? output.readLine() : null) {
        Matcher matcher = LISTENING.matcher(line);
        if (matcher.find()) {
          port = Integer.parseInt(matcher.group(1));
        }
      }
      assertTrue(port > 0, "the gateway did not start");
      Http http = new Http(vertx.createHttpClient(), port);
      assertEquals(200, http.get("/a/x").status());

      // --watch 0: only SIGHUP makes it read the changed file.
      Files.writeString(file, config.put("routes", new JsonArray().add(TestGateway.route("b", "/b", upstream.url()))).encode());
      new ProcessBuilder("kill", "-HUP", Long.toString(gateway.pid())).start().waitFor();
      for (String line = output.readLine(); line != null && !line.contains("reloaded"); line = output.readLine()) {
        // the log line says when the new configuration is in effect
      }
      assertEquals(200, http.get("/b/x").status());
      assertEquals(404, http.get("/a/x").status());

      Future<Http.Response> slow = new Http(vertx.createHttpClient(), port).send(HttpMethod.GET, "/b/slow", null, null);
      arrived.future().await();
      // Process.destroy would also close our end of its output: signal it the way a supervisor does.
      new ProcessBuilder("kill", "-TERM", Long.toString(gateway.pid())).start().waitFor();
      for (String line = output.readLine(); line != null && !line.contains("stopping"); line = output.readLine()) {
        // SIGTERM reached the shutdown hook
      }
      release.complete();
      assertEquals("slow done", slow.await().body().toString());
      assertTrue(gateway.waitFor(30, TimeUnit.SECONDS), "the gateway exits once drained");
    } finally {
      gateway.destroyForcibly();
    }
  }

  /** Whether SIGHUP (signal 1, the lowest bit of SigIgn) is ignored, as nohup leaves it for every child. */
  private static boolean hangupIgnored() throws java.io.IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1L) != 0;
      }
    }
    return false;
  }
}
