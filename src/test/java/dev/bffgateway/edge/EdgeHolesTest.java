package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The holes an attack review found in the hand-built forwarding path, each sent as the attacker sent it, and judged
 * by what the upstream received: h2 bodies without a length, {@code ;} path parameters, identity headers spelled with
 * underscores, an upstream setting the gateway's cookies, and a HTTP/1.0 client against an endless stream.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class EdgeHolesTest {
  private RecordingUpstream upstream;
  private int port;
  private final AtomicBoolean streamEnded = new AtomicBoolean();

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) {
    upstream = RecordingUpstream.start(vertx).await();
    HttpServer special = vertx.createHttpServer().requestHandler(request -> {
      switch (request.path()) {
        case "/cookies/x" -> request.response()
          .putHeader("set-cookie", List.<String>of("ss-tok=evil; Path=/", "app=fine; Path=/", "ss-reftok=evil; Path=/", "ss-id=evil",
            "__Host-ss-tok=evil; Path=/; Secure", "ss-pid=fine"))
          .end("ok");
        case "/stream/x" -> {
          // Endless, as an event stream is: the first bytes must reach the client long before any end.
          request.response().setChunked(true).write("first-event\n");
          long timer = vertx.setPeriodic(50, t -> request.response().write("tick\n"));
          request.connection().closeHandler(closed -> {
            vertx.cancelTimer(timer);
            streamEnded.set(true);
          });
        }
        default -> request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    String specialUrl = "http://127.0.0.1:" + special.actualPort();
    JsonArray routes = new JsonArray()
      .add(TestGateway.route("svc", "/svc", upstream.url()).put("auth", "optional"))
      .add(TestGateway.route("admin", "/svc/admin", upstream.url()).put("auth", "required").put("roles", new JsonArray().add("Admin")))
      .add(TestGateway.route("jetty", "/jetty", upstream.url()).put("pathParameters", true))
      .add(TestGateway.route("cookies", "/cookies", specialUrl))
      .add(TestGateway.route("stream", "/stream", specialUrl));
    JsonObject config = TestGateway.config(dir, routes);
    config.getJsonObject("server").put("h2c", true);
    Gateway gateway = TestGateway.start(vertx, config).await();
    port = gateway.port();
  }

  @Test
  void anH2BodyWithoutContentLengthReachesAHttp11UpstreamFramed(Vertx vertx) {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
      .setHttp2ClearTextUpgrade(false));
    // What an attacker put in the body: a whole second request, for the upstream to read as one if unframed.
    String smuggled = "GET /svc/captured HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
    String answer = h2.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/svc/upload"))
      .compose(request -> {
        request.setChunked(true); // on HTTP/2: DATA frames, no content-length
        request.write(smuggled);
        return request.end("tail").compose(v -> request.response());
      })
      .compose(response -> response.body().map(body -> response.version() + " " + response.statusCode() + " " + body))
      .await();

    assertEquals("HTTP_2 200 " + smuggled + "tail", answer);
    assertEquals(1, upstream.received().size(), "the upstream read one request, not two");
    RecordingUpstream.Received received = upstream.last();
    assertEquals("/svc/upload", received.uri());
    assertEquals(Integer.toString((smuggled + "tail").length()), received.headers().get("content-length"));
    assertNull(received.headers().get("transfer-encoding"));
    assertEquals(smuggled + "tail", received.body().toString());
    // And a bodiless h2 GET goes bodiless.
    int status = h2.request(HttpMethod.GET, port, "127.0.0.1", "/svc/plain")
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> response.statusCode()))
      .await();
    assertEquals(200, status);
    assertEquals(0, upstream.last().body().length());
  }

  @Test
  void pathParametersAreRefusedUnlessTheRouteAcceptsThem() throws Exception {
    for (String path : List.of("/svc/admin;x/users", "/svc/admin;jsessionid=1/users", "/svc;a/admin/users")) {
      String response = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
      assertEquals(400, RawHttp.status(response), path + ": " + response);
    }
    assertEquals(0, upstream.received().size(), "nothing reached the upstream");

    String accepted = RawHttp.exchange(port, "GET /jetty;jsessionid=1/x;v=2 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals(200, RawHttp.status(accepted), accepted);
    assertEquals("/jetty;jsessionid=1/x;v=2", upstream.last().uri());
  }

  @Test
  void clientHeadersSpellingGatewayHeadersWithUnderscoresNeverReachTheUpstream() throws Exception {
    String response = RawHttp.exchange(port, "GET /svc/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
      + "X_User_Roles: Admin\r\nx_user_id: 1\r\nX_USER_NAME: root\r\nX_Forwarded_For: 6.6.6.6\r\nX_Real_IP: 6.6.6.6\r\n"
      + "X_Forwarded_Host: evil\r\nX_Forwarded_Proto: https\r\nX_Request_Id: forged\r\nX_Custom: kept\r\n\r\n");

    assertEquals(200, RawHttp.status(response), response);
    RecordingUpstream.Received received = upstream.last();
    for (String name : received.headers().names()) {
      String normal = name.replace('_', '-').toLowerCase(Locale.ROOT);
      if (name.indexOf('_') >= 0) {
        assertFalse(normal.startsWith("x-user-") || normal.startsWith("x-forwarded-") || normal.equals("x-real-ip")
          || normal.equals("x-request-id"), "forwarded " + name);
      }
    }
    assertEquals("kept", received.headers().get("X_Custom"));
    assertEquals("127.0.0.1", received.headers().get("x-forwarded-for"));
    assertEquals("http", received.headers().get("x-forwarded-proto"));
    assertNull(received.headers().get("x-user-roles"));
  }

  @Test
  void anUpstreamCannotSetTheGatewaysCookies() throws Exception {
    String response = RawHttp.exchange(port, "GET /cookies/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

    assertEquals(200, RawHttp.status(response), response);
    String lower = response.toLowerCase(Locale.ROOT);
    assertTrue(lower.contains("set-cookie: app=fine"), response);
    assertTrue(lower.contains("set-cookie: ss-pid=fine"), response);
    assertFalse(lower.contains("evil"), response);
  }

  @Test
  void aHttp10ClientGetsAnEndlessStreamAsItComesCloseDelimited() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("GET /stream/x HTTP/1.0\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      byte[] buffer = new byte[1024];
      while (!seen.toString(StandardCharsets.ISO_8859_1).contains("tick\n")) {
        int n = in.read(buffer);
        assertTrue(n > 0, "the gateway closed before streaming: " + seen);
        seen.write(buffer, 0, n);
      }
      String head = seen.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      assertTrue(head.startsWith("http/1.0 200"), head);
      assertFalse(head.contains("content-length"), head);
      assertFalse(head.contains("transfer-encoding"), head);
      assertTrue(head.contains("first-event\n"), head);
      assertFalse(streamEnded.get(), "the body arrived while the upstream was still sending, not after it ended");
    }
  }
}
