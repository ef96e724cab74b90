package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static dev.bffgateway.support.Http.responseStatus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
@Timeout(60)
class ProxyTest {
  private RecordingUpstream upstream;
  private RecordingUpstream other;
  private Http http;
  private int closedPort;
  // Held in a field: Vert.x closes a client that nothing references any more, even mid-handshake.
  private WebSocketClient webSockets;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dataDir) {
    upstream = RecordingUpstream.start(vertx).await();
    other = RecordingUpstream.start(vertx).await();
    // A port that was just free and is closed again: connections to it are refused.
    NetServer placeholder = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
    closedPort = placeholder.actualPort();
    placeholder.close().await();
    upstream.handler(request -> {
      if (request.path().startsWith("/slow")) {
        upstream.record(request); // never answers
      } else {
        upstream.record(request).onSuccess(r -> request.response()
          .putHeader("keep-alive", "timeout=5")
          .putHeader("proxy-authenticate", "Basic")
          .putHeader("x-request-id", "upstream-own-id")
          .putHeader("content-type", r.headers().get("content-type") == null ? "application/octet-stream" : r.headers().get("content-type"))
          .end(r.body()));
      }
    });
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("api", "/api", upstream.url()).put("stripPrefix", true))
      .add(TestGateway.route("api-v2", "/api/v2", other.url() + "/v2base"))
      .add(TestGateway.route("keep", "/keep", upstream.url() + "/base/"))
      .add(TestGateway.route("read-only", "/read-only", upstream.url()).put("methods", new JsonArray().add("GET").add("HEAD")))
      .add(TestGateway.route("closed", "/closed", "http://127.0.0.1:" + closedPort))
      .add(TestGateway.route("slow", "/slow", upstream.url()).put("timeoutMs", 300))
      .add(TestGateway.route("ws", "/ws", upstream.url()).put("websocket", true))
      .add(TestGateway.route("no-ws", "/no-ws", upstream.url()));
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dataDir, routes)).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})
  void forwardsEveryMethodWithPathAndQuery(String method) {
    Buffer body = method.equals("GET") || method.equals("HEAD") ? null : Buffer.buffer("{\"a\":1}");
    Http.Response response = http.send(HttpMethod.valueOf(method), "/api/items/42?q=a%20b&x=1&x=2", null, body).await();

    assertEquals(200, response.status());
    RecordingUpstream.Received received = upstream.last();
    assertEquals(HttpMethod.valueOf(method), received.method());
    assertEquals("/items/42?q=a%20b&x=1&x=2", received.uri());
    if (body != null) {
      assertEquals(body, received.body());
      assertEquals(body, response.body());
    }
  }

  @Test
  void binaryBodiesPassUnchangedBothWays() {
    byte[] bytes = new byte[256 * 1024];
    new Random(7).nextBytes(bytes);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/octet-stream");

    Http.Response response = http.send(HttpMethod.POST, "/api/blob", headers, Buffer.buffer(bytes)).await();

    assertEquals(200, response.status());
    assertArrayEquals(bytes, upstream.last().body().getBytes());
    assertArrayEquals(bytes, response.body().getBytes());
    assertEquals("application/octet-stream", response.header("content-type"));
  }

  @Test
  void passesEndToEndHeadersAndDropsHopByHopOnes() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("x-custom", "kept")
      .add("accept", "application/json")
      .add("connection", "keep-alive, x-connection-scoped")
      .add("x-connection-scoped", "secret")
      .add("keep-alive", "timeout=10")
      .add("proxy-authorization", "Basic Zm9vOmJhcg==")
      .add("te", "trailers");

    Http.Response response = http.get("/api/h", headers);

    MultiMap seen = upstream.last().headers();
    assertEquals("kept", seen.get("x-custom"));
    assertEquals("application/json", seen.get("accept"));
    for (String dropped : List.of("x-connection-scoped", "keep-alive", "proxy-authorization", "te")) {
      assertNull(seen.get(dropped), dropped + " reached the upstream");
    }
    assertEquals("127.0.0.1:" + upstream.port(), seen.get("host"), "the upstream sees its own authority");
    assertNull(response.header("keep-alive"), "upstream's keep-alive leaked to the client");
    assertNull(response.header("proxy-authenticate"), "upstream's proxy-authenticate leaked to the client");
  }

  @Test
  void dropsWhatAnyConnectionHeaderOfTheUpstreamNames() {
    // The common "Connection: keep-alive" takes a short cut; a second Connection header must still count.
    upstream.handler(request -> upstream.record(request).onSuccess(r -> request.response()
      .putHeader("connection", List.<String>of("keep-alive", "x-hop")).putHeader("x-hop", "secret").putHeader("x-end", "kept").end("ok")));
    Http.Response response = http.get("/api/hop");
    assertEquals(200, response.status());
    assertEquals("kept", response.header("x-end"));
    assertNull(response.header("x-hop"), "named by the upstream's second Connection header");
  }

  @Test
  void setsForwardedHeadersAndDropsClientClaims() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("host", "app.example.com")
      .add("x-forwarded-for", "6.6.6.6")
      .add("x-forwarded-host", "evil.example")
      .add("x-forwarded-proto", "https")
      .add("x-forwarded-prefix", "/evil")
      .add("x-real-ip", "6.6.6.6")
      .add("forwarded", "for=6.6.6.6");

    http.get("/api/who", headers);
    MultiMap stripped = upstream.last().headers();
    assertEquals("127.0.0.1", stripped.get("x-forwarded-for"));
    assertEquals("http", stripped.get("x-forwarded-proto"));
    assertEquals("app.example.com", stripped.get("x-forwarded-host"));
    assertEquals("/api", stripped.get("x-forwarded-prefix"));
    assertNull(stripped.get("x-real-ip"));
    assertNull(stripped.get("forwarded"));

    http.get("/keep/who", headers);
    MultiMap kept = upstream.last().headers();
    assertNull(kept.get("x-forwarded-prefix"), "no prefix was stripped, so none may be claimed");
    assertEquals("127.0.0.1", kept.get("x-forwarded-for"));
  }

  @Test
  void keepsWellFormedRequestIdsAndReplacesOthers() {
    Http.Response kept = http.get("/api/id", MultiMap.caseInsensitiveMultiMap().add("x-request-id", "trace-123.abc"));
    assertEquals(List.of("trace-123.abc"), kept.headers().getAll("x-request-id"), "exactly one id, the client's");
    assertEquals("trace-123.abc", upstream.last().headers().get("x-request-id"));

    Http.Response replaced = http.get("/api/id", MultiMap.caseInsensitiveMultiMap().add("x-request-id", "<script>alert(1)</script>"));
    String generated = replaced.header("x-request-id");
    assertTrue(generated.matches("[0-9a-f]{32}"), generated);
    assertEquals(generated, upstream.last().headers().get("x-request-id"));

    Http.Response fresh = http.get("/api/id");
    assertTrue(fresh.header("x-request-id").matches("[0-9a-f]{32}"));
    assertNotEquals(generated, fresh.header("x-request-id"));
    assertEquals(fresh.header("x-request-id"), upstream.last().headers().get("x-request-id"));
  }

  @Test
  void longestPrefixWinsByWholeSegments() {
    assertEquals(200, http.get("/api/v2/orders").status());
    assertEquals("/v2base/api/v2/orders", other.last().uri());

    assertEquals(200, http.get("/api/v20").status());
    assertEquals("/v20", upstream.last().uri(), "/api/v20 is not under /api/v2");

    assertEquals(200, http.get("/api").status());
    assertEquals("/", upstream.last().uri());

    assertEquals(200, http.get("/api/").status());
    assertEquals("/", upstream.last().uri());

    int before = upstream.received().size() + other.received().size();
    Http.Response apix = http.get("/apix");
    assertEquals(404, apix.status());
    assertEquals("NotFound", responseStatus(apix).getString("errorCode"));
    assertEquals(before, upstream.received().size() + other.received().size());
  }

  @Test
  void keepsPrefixUnderUpstreamBasePathWhenNotStripping() {
    assertEquals(200, http.get("/keep/a/b?c=d").status());
    assertEquals("/base/keep/a/b?c=d", upstream.last().uri());
  }

  @Test
  void normalisedPathsReachOnlyTheRouteTheyMatch() {
    assertEquals(200, http.get("/api/../keep/x").status());
    assertEquals("/base/keep/x", upstream.last().uri(), "resolved to /keep/x before matching");

    assertEquals(200, http.get("/api/%2e%2e/keep/y").status());
    assertEquals("/base/keep/y", upstream.last().uri());

    assertEquals(200, http.get("//api//z/./w").status());
    assertEquals("/z/w", upstream.last().uri());

    assertEquals(200, http.get("/read-only/%7Euser").status());
    assertEquals("/read-only/~user", upstream.last().uri());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/../etc/passwd", "/api/../../keep", "/api/%2e%2e/%2e%2e/keep", "/api/..%2fkeep",
    "/api/%2F..%2Fkeep", "/api/x%00", "/api/%5c..%5ckeep", "/api/%zz", "/api/%2"})
  void refusesPathsThatEscapeOrHideSeparators(String path) {
    int before = upstream.received().size();
    Http.Response response = http.get(path);
    assertEquals(400, response.status(), path);
    assertEquals("BadRequest", responseStatus(response).getString("errorCode"));
    assertEquals(before, upstream.received().size(), "the upstream saw " + path);
  }

  @Test
  void refusedConnectionIs502Json() {
    Http.Response response = http.get("/closed/x");
    assertEquals(502, response.status());
    assertTrue(response.header("content-type").startsWith("application/json"));
    JsonObject status = responseStatus(response);
    assertEquals("BadGateway", status.getString("errorCode"));
    assertEquals("The upstream service is unavailable", status.getString("message"));
    assertEquals(new JsonArray(), status.getJsonArray("errors"));
    assertTrue(response.header("x-request-id").matches("[0-9a-f]{32}"));
  }

  @Test
  void slowUpstreamIs504JsonAtTheRouteTimeout() {
    long started = System.nanoTime();
    Http.Response response = http.get("/slow/x");
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(504, response.status());
    assertEquals("GatewayTimeout", responseStatus(response).getString("errorCode"));
    assertTrue(elapsedMs >= 300, "answered after " + elapsedMs + " ms, before the 300 ms timeout");
    assertEquals("/slow/x", upstream.last().uri(), "the request did reach the upstream");
  }

  @Test
  void methodOutsideTheRouteIs405JsonWithAllow() {
    int before = upstream.received().size();
    Http.Response response = http.send(HttpMethod.DELETE, "/read-only/x", null, null).await();
    assertEquals(405, response.status());
    assertEquals("GET, HEAD", response.header("allow"));
    assertEquals("MethodNotAllowed", responseStatus(response).getString("errorCode"));
    assertEquals(before, upstream.received().size());
  }

  @Test
  void unknownPathIs404Json() {
    Http.Response response = http.get("/nothing/here");
    assertEquals(404, response.status());
    assertTrue(response.header("content-type").startsWith("application/json"));
    assertEquals("NotFound", responseStatus(response).getString("errorCode"));
    assertEquals("No route matches /nothing/here", responseStatus(response).getString("message"));
  }

  @Test
  void healthEndpointsAnswerJson() {
    Http.Response live = http.get("/health/live");
    assertEquals(200, live.status());
    assertEquals("UP", live.json().getString("status"));
    Http.Response ready = http.get("/health/ready");
    assertEquals(200, ready.status());
    assertEquals("UP", ready.json().getString("outcome"));
  }

  @Test
  void webSocketEchoesThroughRoutesThatAllowIt(Vertx vertx, VertxTestContext test) {
    webSockets = vertx.createWebSocketClient();
    webSockets.connect(http.port(), "127.0.0.1", "/ws/echo").onComplete(test.succeeding(socket -> {
      socket.textMessageHandler(message -> test.verify(() -> {
        assertEquals("hello through the gateway", message);
        test.completeNow();
      }));
      socket.writeTextMessage("hello through the gateway");
    }));
  }

  @Test
  void webSocketUpgradeIsNotPassedOnRoutesThatDoNotAllowIt(Vertx vertx, VertxTestContext test) {
    webSockets = vertx.createWebSocketClient();
    webSockets.connect(http.port(), "127.0.0.1", "/no-ws/echo").onComplete(test.failing(failure -> {
      test.verify(() -> assertFalse(upstream.received().isEmpty() && upstream.last().headers().contains("upgrade"),
        "the Upgrade header reached the upstream"));
      test.completeNow();
    }));
  }
}
