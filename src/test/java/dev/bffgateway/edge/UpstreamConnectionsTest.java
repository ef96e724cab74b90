package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static dev.bffgateway.support.Http.responseStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keep-alive pools toward plain-http upstreams: reuse, the size limit, waiting, and what is never reused. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class UpstreamConnectionsTest {
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger staleConnections = new AtomicInteger();
  /** The request lines the stale upstream received, and those it dropped its connection on. */
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<String> dropped = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private Http http;
  private String upstreamUrl;

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
    upstreamUrl = url;
    // Answers each request with the canned response its path names, byte for byte.
    NetServer canned = vertx.createNetServer().connectHandler(socket -> socket.handler(request -> {
      String line = request.toString(StandardCharsets.ISO_8859_1);
      String path = line.substring(line.indexOf(' ') + 1, line.indexOf(' ', line.indexOf(' ') + 1));
      socket.write(CANNED.get(path));
      if (path.equals("/canned/cut")) {
        socket.close();
      }
    })).listen(0, "127.0.0.1").await();
    // Answers the first request on each connection, then drops the connection when the next one arrives: what a
    // gateway sees when it sends a request just as the upstream closes an idle keep-alive connection.
    NetServer stale = vertx.createNetServer().connectHandler(socket -> {
      staleConnections.incrementAndGet();
      AtomicInteger requests = new AtomicInteger();
      socket.handler(data -> {
        String text = data.toString(StandardCharsets.ISO_8859_1);
        int requestLine = text.indexOf(" HTTP/1.1\r\n");
        if (requestLine < 0) {
          return; // the rest of a body
        }
        String line = text.substring(0, requestLine);
        received.add(line);
        if (requests.incrementAndGet() > 1 || line.endsWith("/never")) {
          dropped.add(line);
          if (line.endsWith("/partial")) {
            socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly the start");
          }
          socket.close();
          return;
        }
        String body = "fresh " + line;
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
      });
    }).listen(0, "127.0.0.1").await();
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("api", "/api", url))
      .add(TestGateway.route("stale", "/stale", "http://127.0.0.1:" + stale.actualPort()))
      .add(TestGateway.route("hold", "/hold", url).put("timeoutMs", 10_000))
      .add(TestGateway.route("timed", "/timed", url).put("timeoutMs", 300))
      .add(TestGateway.route("canned", "/canned", "http://127.0.0.1:" + canned.actualPort()));
    JsonObject config = TestGateway.config(dataDir, routes)
      .put("proxy", new JsonObject().put("poolSize", 2).put("connectTimeoutMs", 300));
    Gateway gateway = TestGateway.start(vertx, config).await();
    http = new Http(vertx.createHttpClient(), gateway.port());
  }

  private static final Map<String, String> CANNED = Map.of(
    "/canned/continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
    "/canned/reason", "HTTP/1.1 299 Fine Thanks\r\nContent-Length: 2\r\n\r\nok",
    "/canned/gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxxxx",
    "/canned/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
    "/canned/cut", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it",
    "/canned/garbage", "HTTP/1.1 abc Not a status\r\n\r\n");

  private void answer(HttpServerRequest request) {
    switch (request.path()) {
      case "/hold/x" -> held.add(request); // answered by the test
      case "/api/later" -> vertx.setTimer(50, t -> request.response().end("later"));
      case "/api/close" -> request.response().putHeader("connection", "close").end("closing");
      case "/api/early" -> request.response().setStatusCode(413).end("too large"); // before reading the body
      case "/timed/stall" -> request.response().setChunked(true).write("part"); // then silence
      case "/timed/trickle" -> trickle(request.response().setChunked(true), 8);
      default -> request.body().onSuccess(body -> request.response().end("got " + body.length()));
    }
  }

  /** A chunk every 100 ms: the body takes longer than the route's 300 ms timeout, but is never silent that long. */
  private void trickle(HttpServerResponse response, int left) {
    if (left == 0) {
      response.end();
      return;
    }
    response.write("chunk" + left + ";");
    vertx.setTimer(100, t -> trickle(response, left - 1));
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
  void anIdempotentRequestOnAConnectionTheUpstreamDroppedIsSentAgainOnANewOne() {
    assertEquals("fresh GET /stale/a", http.get("/stale/a").body().toString());

    Http.Response retried = http.get("/stale/b");

    assertEquals(200, retried.status());
    assertEquals("fresh GET /stale/b", retried.body().toString());
    assertEquals(List.of("GET /stale/b"), dropped);
    assertEquals(2, staleConnections.get());
    assertEquals("fresh DELETE /stale/c", http.send(HttpMethod.DELETE, "/stale/c", null, null).await().body().toString());
    assertEquals(3, staleConnections.get());
    assertTrue(http.get("/metrics").body().toString().contains("bff_upstream_resent_total{route=\"stale\"} 2.0"));
  }

  @Test
  void aRequestThatIsNotIdempotentOrHasABodyIsNotSentAgain() {
    assertEquals(200, http.get("/stale/a").status());
    Http.Response post = http.send(HttpMethod.POST, "/stale/b", null, Buffer.buffer("x")).await();
    assertEquals(200, http.get("/stale/c").status());
    Http.Response put = http.send(HttpMethod.PUT, "/stale/d", null, Buffer.buffer("x")).await();
    assertEquals(200, http.get("/stale/e").status());
    Http.Response emptyPost = http.send(HttpMethod.POST, "/stale/f", null, null).await();

    assertEquals(502, post.status());
    assertEquals("BadGateway", responseStatus(post).getString("errorCode"));
    assertEquals(502, put.status());
    assertEquals(502, emptyPost.status());
    assertEquals(List.of("POST /stale/b", "PUT /stale/d", "POST /stale/f"), dropped);
    assertEquals(3, staleConnections.get());
    assertFalse(http.get("/metrics").body().toString().contains("bff_upstream_resent_total"));
  }

  @Test
  void aRequestWhoseAnswerHadStartedIsNotSentAgain() throws Exception {
    // One after the other, so that the second takes the connection the first went out on.
    assertEquals("fresh GET /stale/a", http.get("/stale/a").body().toString());
    String response = RawHttp.exchange(http.port(), "GET /stale/partial HTTP/1.1\r\nHost: gw\r\n\r\n");

    assertTrue(response.endsWith("only the start"), response);
    assertEquals(List.of("GET /stale/a", "GET /stale/partial"), received);
    assertEquals(List.of("GET /stale/partial"), dropped);
  }

  @Test
  void aNewConnectionDroppedUnderItsFirstRequestIs502NotARetry() {
    Http.Response response = http.get("/stale/never");

    assertEquals(502, response.status());
    assertEquals(List.of("GET /stale/never"), dropped);
    assertEquals(1, staleConnections.get());
  }

  @Test
  void aConnectionIdleForTheIdleTimeoutIsClosedByTheGateway(@TempDir Path otherDataDir) {
    JsonObject config = TestGateway.config(otherDataDir, new JsonArray().add(TestGateway.route("api", "/api", upstreamUrl)))
      .put("proxy", new JsonObject().put("idleTimeoutSeconds", 1));
    Gateway gateway = TestGateway.start(vertx, config).await();
    Http client = new Http(vertx.createHttpClient(), gateway.port());

    assertEquals(200, client.get("/api/x").status());
    long idleSince = System.nanoTime();
    assertEquals(1, open.get());
    waitUntil(() -> open.get() == 0);

    long idleMs = (System.nanoTime() - idleSince) / 1_000_000;
    assertTrue(idleMs >= 900, "closed after " + idleMs + " ms idle, before the idle timeout");
    assertEquals(200, client.get("/api/x").status());
    assertEquals(2, connections.get());
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
  void anAnswerBeforeTheWholeBodyIsRelayedAndTheNextRequestIsServed() {
    // The upload ends only after the answer came. Vert.x's client still sends the whole (chunked) body, so both
    // messages are complete and the connection may carry the next request.
    HttpClientRequest upload = vertx.createHttpClient().request(new RequestOptions().setHost("127.0.0.1").setPort(http.port())
      .setMethod(HttpMethod.POST).setURI("/api/early")).await();
    Future<String> early = upload.response().compose(response -> response.body().map(body -> response.statusCode() + " " + body));
    upload.setChunked(true).write(Buffer.buffer(new byte[64 * 1024]));

    assertEquals("413 too large", early.await());
    upload.end(Buffer.buffer(new byte[64 * 1024])).await();
    Http.Response next = http.send(HttpMethod.POST, "/api/x", null, Buffer.buffer("abc")).await();
    assertEquals(200, next.status());
    assertEquals("got 3", next.body().toString());
  }

  @Test
  void anInformationalResponseIsSkippedAndTheFinalOneRelayed() {
    Http.Response response = http.get("/canned/continue");
    assertEquals(200, response.status());
    assertEquals("final", response.body().toString());
  }

  @Test
  void aCustomReasonPhraseIsRelayed() throws Exception {
    String response = RawHttp.exchange(http.port(), "GET /canned/reason HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 299 Fine Thanks\r\n"), response);
    assertTrue(response.endsWith("\r\n\r\nok"), response);
  }

  @Test
  void aTransferCodingOtherThanChunkedIs502() {
    Http.Response response = http.get("/canned/gzip");
    assertEquals(502, response.status());
    assertEquals("The upstream's response cannot be relayed", responseStatus(response).getString("message"));
  }

  @Test
  void aResponseThatCannotBeDecodedIs502() {
    Http.Response response = http.get("/canned/garbage");
    assertEquals(502, response.status());
    assertEquals("BadGateway", responseStatus(response).getString("errorCode"));
    assertEquals(200, http.get("/api/x").status(), "the next request is not harmed");
  }

  @Test
  void aHttp10ClientGetsAChunkedBodyCloseDelimited() throws Exception {
    Timed<String> exchange = timed(() -> RawHttp.exchange(http.port(), "GET /canned/chunked HTTP/1.0\r\nHost: gw\r\n\r\n"));
    String response = exchange.result();
    assertTrue(response.startsWith("HTTP/1.0 200 "), response);
    assertFalse(response.toLowerCase(java.util.Locale.ROOT).contains("content-length"), response);
    assertFalse(response.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding"), response);
    assertTrue(response.endsWith("\r\n\r\nabcdefg"), response);
    assertTrue(exchange.ms() < 1_000, "the gateway closed the connection to end the body (" + exchange.ms() + " ms)");
    Http.Response chunked = http.get("/canned/chunked");
    assertEquals("abcdefg", chunked.body().toString());
  }

  @Test
  void anUpstreamThatClosesMidBodyEndsTheClientsResponseIncomplete() throws Exception {
    Timed<String> exchange = timed(() -> RawHttp.exchange(http.port(), "GET /canned/cut HTTP/1.1\r\nHost: gw\r\n\r\n"));
    String response = exchange.result();

    assertEquals(200, RawHttp.status(response));
    assertTrue(response.endsWith("only part of it"), response);
    assertTrue(exchange.ms() < 1_000, "the client's connection was closed, not left silent (" + exchange.ms() + " ms)");
    assertEquals(200, http.get("/api/x").status(), "the next request gets a connection of its own");
  }

  @Test
  void aBodyThatFallsSilentForTheRouteTimeoutIsCut() throws Exception {
    Timed<String> exchange = timed(() -> RawHttp.exchange(http.port(), "GET /timed/stall HTTP/1.1\r\nHost: gw\r\n\r\n"));
    String response = exchange.result();

    assertEquals(200, RawHttp.status(response));
    assertTrue(response.contains("part"), response);
    assertFalse(response.endsWith("0\r\n\r\n"), "the cut body must not look complete: " + response);
    assertTrue(exchange.ms() >= 300 && exchange.ms() < 1_000,
      "cut after " + exchange.ms() + " ms, the route's timeout is 300 ms");
  }

  @Test
  void aBodyThatKeepsMovingIsNeverCutHoweverLongItTakes() throws Exception {
    Timed<Http.Response> exchange = timed(() -> http.get("/timed/trickle"));
    Http.Response response = exchange.result();

    assertEquals(200, response.status());
    assertEquals("chunk8;chunk7;chunk6;chunk5;chunk4;chunk3;chunk2;chunk1;", response.body().toString());
    assertTrue(exchange.ms() >= 700, "took " + exchange.ms() + " ms: longer than the 300 ms timeout");
  }

  private record Timed<T>(T result, long ms) {
  }

  private static <T> Timed<T> timed(Callable<T> call) throws Exception {
    long started = System.nanoTime();
    T result = call.call();
    return new Timed<>(result, (System.nanoTime() - started) / 1_000_000);
  }

  private void waitUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
      vertx.timer(10).await();
    }
  }
}
