package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.cli.Main;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults degrade to clean, temporary errors; nothing is lost. */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class FaultsTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  @Test
  void anUpstreamDyingMidResponseCutsThatResponseOnlyAndTheGatewayStaysHealthy(Vertx vertx, @TempDir Path dir) {
    HttpServer upstream = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().endsWith("/dies")) {
        request.response().setChunked(true).write("the first half of a long answer ");
        request.connection().close();
      } else {
        request.response().end("fine");
      }
    }).listen(0, "127.0.0.1").await();
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray()
      .add(TestGateway.route("api", "/api", "http://127.0.0.1:" + upstream.actualPort())))).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());

    Future<Http.Response> cut = http.send(HttpMethod.GET, "/api/dies", null, null);
    assertTrue(cut.transform(done -> Future.succeededFuture(done.failed())).await(),
      "the client sees a broken response, never a complete-looking one");
    assertEquals(200, http.get("/health/live").status());
    assertEquals("fine", http.get("/api/next").body().toString());
  }

  @Test
  void aGatewayKilledDuringARefreshStormLeavesEveryFamilyConsistent(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    JsonObject config = TestGateway.config(dir, new JsonArray())
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000))
      .put("cookies", new JsonObject().put("secure", "auto"));
    Path file = dir.resolve("gateway.json");
    Files.writeString(file, config.encode());
    Process first = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--conf", file.toString(), "--watch", "0")
      .redirectErrorStream(true).start();
    int families = 20;
    List<CookieJar> jars = new ArrayList<>();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicInteger rotations = new AtomicInteger();
    try {
      int port = port(first);
      Http http = new Http(vertx.createHttpClient(), port);
      for (int i = 0; i < families; i++) {
        CookieJar jar = new CookieJar();
        jar.update(http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
          new JsonObject().put("userName", i % 2 == 0 ? "alice" : "bob").put("password", i % 2 == 0 ? "wonderland" : "builder").toBuffer()).await());
        jars.add(jar);
      }
      // Every family refreshes in a loop, each with the successor it was just given, all at once.
      HttpClient storm = vertx.createHttpClient();
      Promise<Void> enough = Promise.promise();
      for (CookieJar jar : jars) {
        refreshForever(storm, port, jar, killed, rotations, enough);
      }
      enough.future().await();
      new ProcessBuilder("kill", "-KILL", Long.toString(first.pid())).start().waitFor();
      first.waitFor();
      killed.set(true);
    } finally {
      first.destroyForcibly();
    }
    assertTrue(rotations.get() >= 100, "the storm was under way: " + rotations.get() + " rotations");

    // The file as the killed process left it: every live family has exactly one usable token, none is revoked.
    assertEquals(families, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM families f WHERE (SELECT COUNT(*) FROM refresh_tokens t "
      + "WHERE t.family_id = f.id AND t.rotated_at IS NULL) != 1"));
    // Restarted at once, every client's last cookie still refreshes: its current token, or one rotated at the
    // moment of the kill whose successor never reached it (a concurrent refresh within the grace period).
    Gateway second = TestGateway.start(vertx, config).await();
    Http http = new Http(vertx.createHttpClient(), second.port());
    for (CookieJar jar : jars) {
      assertEquals(200, http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await().status());
    }
    assertEquals(families, TestGateway.count(dir, "SELECT COUNT(*) FROM families WHERE revoked_at IS NULL"));
  }

  /** Reads the gateway's output up to its listening line, then drains the rest in the background. Call once. */
  private static int port(Process gateway) throws Exception {
    BufferedReader output = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    for (String line = output.readLine(); line != null; line = output.readLine()) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        int port = Integer.parseInt(matcher.group(1));
        // Keep draining its output so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> {
          try {
            output.transferTo(java.io.Writer.nullWriter());
          } catch (java.io.IOException ended) {
            // the process is gone
          }
        });
        drain.setDaemon(true);
        drain.start();
        return port;
      }
    }
    throw new AssertionError("the gateway did not start");
  }

  private static void refreshForever(HttpClient client, int port, CookieJar jar, AtomicBoolean killed, AtomicInteger rotations,
                                     Promise<Void> enough) {
    if (killed.get()) {
      return;
    }
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI("/access-token")
        .setHeaders(jar.headers()))
      .compose(request -> request.send().compose(response -> response.body().map(body -> {
        for (String setCookie : response.headers().getAll("set-cookie")) {
          if (setCookie.startsWith("ss-reftok=")) {
            jar.put("ss-reftok", setCookie.substring("ss-reftok=".length(), setCookie.indexOf(';')));
            if (rotations.incrementAndGet() >= 200) {
              enough.tryComplete();
            }
          }
        }
        return response.statusCode();
      })))
      .onComplete(done -> {
        if (done.succeeded() && done.result() == 200) {
          refreshForever(client, port, jar, killed, rotations, enough);
        }
      });
  }
}
