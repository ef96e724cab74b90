package dev.bffgateway;

import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gateway on each network transport that server.transport can choose, with its flushes batched per event-loop
 * round: a large body both ways, and a streamed response whose first part must reach the client before the
 * upstream sends the rest (a flush held back would stall it until the timeout).
 */
@Timeout(60)
class NetworkTransportsTest {

  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll", "nio"})
  void proxiesBodiesAndStreamsOnEveryTransport(String name, @TempDir Path dir) {
    Vertx vertx = vertx(name);
    try {
      Promise<Void> clientHasFirstPart = Promise.promise();
      HttpServer upstream = vertx.createHttpServer().requestHandler(request -> {
        if (request.path().endsWith("/stream")) {
          request.response().setChunked(true).write("first part;");
          clientHasFirstPart.future().onSuccess(v -> request.response().end("second part"));
        } else {
          request.body().onSuccess(body -> request.response().end(body));
        }
      }).listen(0, "127.0.0.1").await();
      Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir,
        new JsonArray().add(TestGateway.route("api", "/api", "http://127.0.0.1:" + upstream.actualPort())))).await();
      HttpClient client = vertx.createHttpClient();

      byte[] bytes = new byte[1 << 20];
      ThreadLocalRandom.current().nextBytes(bytes);
      // Each response stage is chained inside the stage that sends the request, as support.Http explains: chained
      // from this thread, it could be attached after the response's first part was delivered to nobody.
      Buffer echoed = client.request(HttpMethod.POST, gateway.port(), "127.0.0.1", "/api/echo")
        .compose(request -> request.send(Buffer.buffer(bytes)).compose(HttpClientResponse::body)).await();
      assertEquals(Buffer.buffer(bytes), echoed, "a 1 MiB body there and back");

      Buffer streamed = client.request(HttpMethod.GET, gateway.port(), "127.0.0.1", "/api/stream")
        .compose(request -> request.send().compose(response -> {
          Promise<Buffer> whole = Promise.promise();
          Buffer received = Buffer.buffer();
          response.handler(part -> {
            received.appendBuffer(part);
            if (received.toString().equals("first part;")) {
              clientHasFirstPart.tryComplete();
            }
          });
          response.endHandler(end -> whole.complete(received));
          return whole.future();
        })).await();
      assertEquals("first part;second part", streamed.toString());
    } finally {
      Future<Void> closed = vertx.close();
      closed.await();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll", "nio"})
  void aBusyPortIsNamedWithTheSettingToChangeOnEveryTransport(String name, @TempDir Path dir) throws Exception {
    Vertx vertx = vertx(name);
    // Outside Vert.x: a server of the same Vert.x on that port would be shared, not refused.
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      JsonObject config = TestGateway.config(dir, new JsonArray());
      config.getJsonObject("server").put("port", taken.getLocalPort());
      Throwable failure = assertThrows(Exception.class, () -> TestGateway.start(vertx, config).await());
      assertTrue(failure.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use ("),
        failure.getMessage());
      assertTrue(failure.getMessage().contains("set server.port"), failure.getMessage());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void anAddressThatCannotBeBoundIsNamedWithTheSettings(@TempDir Path dir) {
    String elsewhere = "192.0.2.1"; // TEST-NET-1: on no machine's interfaces
    assumeTrue(cannotBind(elsewhere), "this machine binds non-local addresses");
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = TestGateway.config(dir, new JsonArray());
      config.getJsonObject("server").put("host", elsewhere).put("port", 8080);
      Throwable failure = assertThrows(Exception.class, () -> TestGateway.start(vertx, config).await());
      assertTrue(failure.getMessage().startsWith("cannot listen on 192.0.2.1:8080: "), failure.getMessage());
      assertTrue(failure.getMessage().endsWith(" (check server.host and server.port)"), failure.getMessage());
    } finally {
      vertx.close().await();
    }
  }

  private static boolean cannotBind(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private static Vertx vertx(String transportName) {
    Transport transport = switch (transportName) {
      case "io_uring" -> Transport.IO_URING;
      case "epoll" -> Transport.EPOLL;
      default -> Transport.NIO;
    };
    assumeTrue(transport != null && transport.available(), transportName + " cannot be used on this machine");
    return Vertx.builder().withTransport(transport).build();
  }
}
