package dev.bffgateway.proxy;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static dev.bffgateway.support.Http.responseStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keep-alive pools toward plain-http upstreams: reuse, the size limit, waiting, and what is never reused. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class UpstreamPoolsTest {
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private Http http;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dataDir) {
    this.vertx = vertx;
    HttpServer upstream = vertx.createHttpServer()
      .connectionHandler(connection -> {
        connections.incrementAndGet();
        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        connection.closeHandler(closed -> open.decrementAndGet());
      })
      .requestHandler(this::answer)
      .listen(0, "127.0.0.1").await();
    String url = "http://127.0.0.1:" + upstream.actualPort();
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("api", "/api", url))
      .add(TestGateway.route("hold", "/hold", url).put("timeoutMs", 10_000));
    JsonObject config = TestGateway.config(dataDir, routes)
      .put("proxy", new JsonObject().put("poolSize", 2).put("connectTimeoutMs", 300));
    Gateway gateway = TestGateway.start(vertx, config).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  private void answer(HttpServerRequest request) {
    switch (request.path()) {
      case "/hold/x" -> held.add(request); // answered by the test
      case "/api/later" -> vertx.setTimer(50, t -> request.response().end("later"));
      case "/api/close" -> request.response().putHeader("connection", "close").end("closing");
      case "/api/early" -> request.response().setStatusCode(413).end("too large"); // before reading the body
      default -> request.body().onSuccess(body -> request.response().end("got " + body.length()));
    }
  }

  @Test
  void sequentialRequestsShareOneConnection() {
    for (int i = 0; i < 20; i++) {
      assertEquals(200, http.get("/api/x").status());
    }
    assertEquals(1, connections.get());
  }

  @Test
  void noMoreConnectionsThanThePoolSizeAndTheRestWaitForOne() {
    List<Future<Http.Response>> responses = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      responses.add(http.send(HttpMethod.GET, "/api/later", null, null));
    }
    for (Future<Http.Response> response : responses) {
      Http.Response answered = response.await();
      assertEquals(200, answered.status());
      assertEquals("later", answered.body().toString());
    }
    assertEquals(2, connections.get());
    assertEquals(2, mostOpen.get());
  }

  @Test
  void aConnectionTheUpstreamClosesIsNotReused() {
    for (int i = 0; i < 3; i++) {
      Http.Response response = http.get("/api/close");
      assertEquals(200, response.status());
      assertEquals("closing", response.body().toString());
    }
    assertEquals(3, connections.get());
    assertEquals(200, http.get("/api/x").status());
  }

  @Test
  void waitingForAConnectionLongerThanTheConnectTimeoutIs504() {
    Future<Http.Response> first = http.send(HttpMethod.GET, "/hold/x", null, null);
    Future<Http.Response> second = http.send(HttpMethod.GET, "/hold/x", null, null);
    waitUntil(() -> held.size() == 2);

    Http.Response third = http.get("/hold/x");

    assertEquals(504, third.status());
    assertEquals("GatewayTimeout", responseStatus(third).getString("errorCode"));
    held.forEach(request -> request.response().end("released"));
    assertEquals("released", first.await().body().toString());
    assertEquals("released", second.await().body().toString());
  }

  @Test
  void anAnswerBeforeTheWholeBodyIsRelayedAndItsConnectionClosed() {
    Buffer body = Buffer.buffer(new byte[4 * 1024 * 1024]);

    Http.Response early = http.send(HttpMethod.POST, "/api/early", null, body).await();

    assertEquals(413, early.status());
    assertEquals("too large", early.body().toString());
    Http.Response next = http.send(HttpMethod.POST, "/api/x", null, Buffer.buffer("abc")).await();
    assertEquals(200, next.status());
    assertEquals("got 3", next.body().toString());
    waitUntil(() -> open.get() == 1);
    assertTrue(connections.get() >= 2, "the connection that answered early was reused");
  }

  private void waitUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
      vertx.timer(10).await();
    }
  }
}
