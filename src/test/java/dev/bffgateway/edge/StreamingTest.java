package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 50 MB each way through the gateway while the receiving side stops reading: if the gateway buffered bodies
 * instead of streaming them with back-pressure, the sender could push everything into its memory.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamingTest {
  private static final long SIZE = 50L * 1024 * 1024;
  private static final int CHUNK = 64 * 1024;
  /**
   * What may be in flight without the receiver reading: the test's own sockets get small fixed buffers, but the
   * gateway's side of each hop autotunes (up to net.ipv4.tcp_rmem's 32 MiB here) and Vert.x queues a little.
   * A gateway that buffered bodies would take all 50 MB.
   */
  private static final long IN_FLIGHT_LIMIT = SIZE * 3 / 4;
  private static final int TEST_SOCKET_BUFFER = 64 * 1024;

  private final AtomicReference<HttpServerRequest> pausedUpload = new AtomicReference<>();
  private final AtomicLong downloadWritten = new AtomicLong();
  private HttpClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dataDir) {
    HttpServer upstream = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
      .setReceiveBufferSize(TEST_SOCKET_BUFFER).setSendBufferSize(TEST_SOCKET_BUFFER)).requestHandler(request -> {
      if (request.method() == HttpMethod.POST) {
        request.pause();
        pausedUpload.set(request);
      } else {
        sendGenerated(request.response(), downloadWritten);
      }
    }).listen(0, "127.0.0.1").await();
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dataDir, new JsonArray()
      .add(TestGateway.route("files", "/files", "http://127.0.0.1:" + upstream.actualPort())))).await();
    port = gateway.port();
    client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
      .setReceiveBufferSize(TEST_SOCKET_BUFFER).setSendBufferSize(TEST_SOCKET_BUFFER));
  }

  @Test
  void uploadIsStreamedWithBackPressure(Vertx vertx) {
    AtomicLong written = new AtomicLong();
    HttpClientRequest request = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(port).setURI("/files/upload")).await();
    request.putHeader("content-length", Long.toString(SIZE));
    // Attached before the response can arrive: attached later, from this thread, it could miss the body.
    Future<io.vertx.core.buffer.Buffer> responseBody = request.response().compose(HttpClientResponse::body);
    CRC32 sent = new CRC32();
    vertx.runOnContext(v -> writeGenerated(request, written, sent));

    long stalledAt = waitUntilStalled(vertx, written::get);
    assertTrue(pausedUpload.get() != null, "the upload reached the upstream");
    assertTrue(stalledAt < IN_FLIGHT_LIMIT, "the client pushed " + stalledAt + " bytes while the upstream read nothing");

    // Now let the upstream read everything and report what arrived.
    HttpServerRequest upstreamSide = pausedUpload.get();
    CRC32 received = new CRC32();
    AtomicLong receivedBytes = new AtomicLong();
    vertx.runOnContext(v -> {
      upstreamSide.handler(chunk -> {
        received.update(chunk.getBytes());
        receivedBytes.addAndGet(chunk.length());
      });
      upstreamSide.endHandler(end -> upstreamSide.response().end(new JsonObject()
        .put("bytes", receivedBytes.get()).put("crc", received.getValue()).encode()));
      upstreamSide.resume();
    });
    JsonObject summary = responseBody.await().toJsonObject();
    assertEquals(SIZE, summary.getLong("bytes"));
    assertEquals(sent.getValue(), summary.getLong("crc"));
  }

  @Test
  void downloadIsStreamedWithBackPressure(Vertx vertx) {
    HttpClientResponse response = client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/files/big"))
      // Paused on the event loop as the head arrives (a stage nested here, not chained from this thread, which
      // could run after chunks had come and gone): a chunk that came before a handler would be lost.
      .compose(request -> request.send().map(received -> received.pause()))
      .await();
    assertEquals(200, response.statusCode());

    long stalledAt = waitUntilStalled(vertx, downloadWritten::get);
    assertTrue(stalledAt < IN_FLIGHT_LIMIT, "the upstream pushed " + stalledAt + " bytes while the client read nothing");

    CRC32 received = new CRC32();
    AtomicLong receivedBytes = new AtomicLong();
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      response.handler(chunk -> {
        received.update(chunk.getBytes());
        receivedBytes.addAndGet(chunk.length());
      });
      response.endHandler(done::complete);
      response.resume();
    });
    done.future().await();
    assertEquals(SIZE, receivedBytes.get());
    assertEquals(expectedCrc(), received.getValue());
  }

  /** Polls the byte count until it has not moved for a while, and returns where it stopped. */
  private static long waitUntilStalled(Vertx vertx, LongSupplier bytes) {
    long last = -1;
    int unchanged = 0;
    while (unchanged < 5) {
      Promise<Void> tick = Promise.promise();
      vertx.setTimer(100, id -> tick.complete());
      tick.future().await();
      long now = bytes.getAsLong();
      unchanged = now == last ? unchanged + 1 : 0;
      last = now;
      if (now >= SIZE) {
        break;
      }
    }
    return last;
  }

  /** Writes SIZE deterministic bytes, waiting for drain whenever the stream's queue is full. */
  private static void writeGenerated(WriteStream<Buffer> stream, AtomicLong written, CRC32 crc) {
    while (written.get() < SIZE) {
      if (stream.writeQueueFull()) {
        stream.drainHandler(v -> writeGenerated(stream, written, crc));
        return;
      }
      Buffer chunk = chunk(written.get());
      crc.update(chunk.getBytes());
      written.addAndGet(chunk.length());
      stream.write(chunk);
    }
    stream.end();
  }

  private static void sendGenerated(HttpServerResponse response, AtomicLong written) {
    response.putHeader("content-length", Long.toString(SIZE));
    writeGenerated(response, written, new CRC32());
  }

  private static Buffer chunk(long offset) {
    byte[] bytes = new byte[(int) Math.min(CHUNK, SIZE - offset)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ((offset + i) * 31 >>> 3);
    }
    return Buffer.buffer(bytes);
  }

  private static long expectedCrc() {
    CRC32 crc = new CRC32();
    for (long offset = 0; offset < SIZE; offset += CHUNK) {
      crc.update(chunk(offset).getBytes());
    }
    return crc.getValue();
  }
}
