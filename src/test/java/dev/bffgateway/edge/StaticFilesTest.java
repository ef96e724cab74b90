package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JS client at /bff-client.js, and web.root's files at / beside routes and gateway endpoints. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class StaticFilesTest {

  @Test
  void servesADirectoryBesideRoutesAndEndpoints(Vertx vertx, @TempDir Path dir) throws Exception {
    Path site = Files.createDirectories(dir.resolve("site"));
    Files.writeString(site.resolve("index.html"), "<!doctype html><title>app</title>");
    Files.writeString(site.resolve("app.js"), "export const x = 1;");
    Files.writeString(site.resolve(".env"), "SECRET=1");
    Files.writeString(dir.resolve("outside.txt"), "not for the web");
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url())))
      .put("web", new JsonObject().put("root", site.toString()));
    Gateway gateway = TestGateway.start(vertx, config).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());

    Http.Response index = http.get("/");
    assertEquals(200, index.status());
    assertTrue(index.header("content-type").startsWith("text/html"), index.header("content-type"));
    assertEquals("nosniff", index.header("x-content-type-options"));
    assertEquals("no-cache", index.header("cache-control"), "unversioned URLs are revalidated");
    assertEquals("<!doctype html><title>app</title>", index.body().toString());
    Http.Response script = http.get("/app.js");
    assertEquals(200, script.status());
    assertTrue(script.header("content-type").contains("javascript"), script.header("content-type"));

    assertEquals(404, http.get("/.env").status(), "hidden files stay hidden");
    assertEquals(400, http.get("/%2e%2e/outside.txt").status(), "nothing above the root");
    Http.Response missing = http.get("/nope.html");
    assertEquals(404, missing.status());
    assertEquals("NotFound", Http.responseStatus(missing).getString("errorCode"));

    assertEquals(200, http.get("/api/orders").status());
    assertEquals("/api/orders", upstream.last().uri());
    assertEquals(200, http.get("/health/live").status());
  }

  @Test
  void servesTheJsClientAndTheDemoPageFromTheJar(Vertx vertx, @TempDir Path dir) {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray())
      .put("web", new JsonObject().put("root", "demo"))).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());

    Http.Response client = http.get("/bff-client.js");
    assertEquals(200, client.status());
    assertTrue(client.header("content-type").contains("javascript"), client.header("content-type"));
    assertTrue(client.body().toString().contains("export function createClient"), "the packed client is served");
    Http.Response page = http.get("/");
    assertEquals(200, page.status());
    assertTrue(page.body().toString().contains("/bff-client.js"), "the demo page loads the client from the gateway");
  }

  @Test
  void withoutWebRootOnlyTheClientIsServed(Vertx vertx, @TempDir Path dir) {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray())).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    assertEquals(200, http.get("/bff-client.js").status());
    assertEquals(404, http.get("/").status());
    assertEquals(404, http.get("/index.html").status());
    assertEquals(405, http.send(HttpMethod.POST, "/bff-client.js", null, null).await().status());
  }
}
