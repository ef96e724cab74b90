package dev.bffgateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FlushBatching reaches into Vert.x's internal ConnectionBase: this fails, loudly, when a Vert.x upgrade moves that
 * class or hands out server or client HTTP connections that are not one, instead of the gateway silently losing
 * its flush batching.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class FlushBatchingTest {
  @Test
  void everyServerAndClientHttpConnectionBatchesItsFlushes(Vertx vertx) {
    List<Boolean> installed = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer()
      .connectionHandler(connection -> installed.add(FlushBatching.install(connection)))
      .requestHandler(request -> request.response().end("batched"))
      .listen(0, "127.0.0.1").await();
    HttpClient client = vertx.httpClientBuilder().withConnectHandler(connection -> installed.add(FlushBatching.install(connection))).build();

    String body = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
      .compose(request -> request.send().compose(response -> response.body()))
      .await().toString();

    assertEquals("batched", body, "a batched connection still delivers its response");
    assertEquals(List.of(true, true), installed, "one server and one client connection, both a ConnectionBase");
  }
}
