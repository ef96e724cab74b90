package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that sends {@code Expect: 100-continue} gets {@code 100 Continue} before it sends its body, on proxied
 * routes (plain http and https upstreams) and on the gateway's own endpoints, and a request refused before its body
 * is needed gets its final answer at once. Over raw sockets, which wait for the interim answer as curl does.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ContinueExpectationTest {
  /** What each upstream received: the Expect header (or "none") and the body. */
  private final List<String> received = new CopyOnWriteArrayList<>();
  private int port;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dataDir) {
    HttpServer plain = vertx.createHttpServer().requestHandler(this::echo).listen(0, "127.0.0.1").await();
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    HttpServer tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
      .requestHandler(this::echo).listen(0, "127.0.0.1").await();
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("plain", "/plain", "http://127.0.0.1:" + plain.actualPort()))
      .add(TestGateway.route("tls", "/tls", "https://localhost:" + tls.actualPort()))
      .add(TestGateway.route("private", "/private", "http://127.0.0.1:" + plain.actualPort()).put("auth", "required"));
    JsonObject config = TestGateway.config(dataDir, routes)
      .put("proxy", new JsonObject().put("trustedCaFile", certificate.certificatePath()))
      .put("credentials", new JsonObject().put("usersFile", Path.of("conf/users.json").toAbsolutePath().toString()));
    Gateway gateway = TestGateway.start(vertx, config).await();
    port = gateway.port();
  }

  private void echo(HttpServerRequest request) {
    String expect = request.getHeader("expect");
    request.body().onSuccess(body -> {
      received.add((expect == null ? "none" : expect) + " " + body);
      request.response().end("got " + body);
    });
  }

  @Test
  void aProxiedUploadGetsContinueThenItsAnswer() throws IOException {
    for (String route : List.of("/plain", "/tls")) {
      String[] answers = exchange(route + "/upload", "hello");

      assertEquals("HTTP/1.1 100 Continue", answers[0], route);
      assertTrue(answers[1].startsWith("HTTP/1.1 200 OK"), answers[1]);
      assertTrue(answers[1].endsWith("got hello"), answers[1]);
    }
    // The gateway answered the expectation itself: the upstreams were not asked again.
    assertEquals(List.of("none hello", "none hello"), received);
  }

  @Test
  void theGatewaysOwnEndpointsGiveContinueBeforeReadingTheBody() throws IOException {
    String[] answers = exchange("/auth/credentials", "{\"userName\":\"nobody\",\"password\":\"wrong\"}");

    assertEquals("HTTP/1.1 100 Continue", answers[0]);
    assertTrue(answers[1].startsWith("HTTP/1.1 401 "), answers[1]);
  }

  @Test
  void aRequestRefusedBeforeItsBodyIsNeededGetsNoContinue() throws IOException {
    String[] answers = exchange("/private/upload", null);

    assertTrue(answers[0].startsWith("HTTP/1.1 401 "), answers[0]);
    assertEquals(List.of(), received);
  }

  /**
   * Sends a POST head that expects 100-continue and reads the first answer; when that is 100 and there is a body,
   * sends the body and reads the final answer as well.
   */
  private String[] exchange(String path, String body) throws IOException {
    String content = body == null ? "{}" : body;
    try (Socket socket = new Socket("127.0.0.1", port)) {
      // Far below curl's one second would be too tight for a loaded CI machine; a missing 100 never comes at all.
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: "
        + content.length() + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String first = readHead(in);
      if (!first.startsWith("HTTP/1.1 100") || body == null) {
        return new String[] {first.split("\r\n")[0]};
      }
      out.write(content.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readHead(in);
      int length = Integer.parseInt(head.replaceAll("(?is).*\r\ncontent-length: *([0-9]+).*", "$1"));
      return new String[] {first.split("\r\n")[0], head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1)};
    }
  }

  /** Reads up to and including the blank line that ends a response head. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int next = in.read();
      if (next < 0) {
        throw new IOException("the connection closed in a response head: " + head);
      }
      head.write(next);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
