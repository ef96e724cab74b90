package dev.bffgateway;

import dev.bffgateway.support.Http;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS toward upstreams and toward clients, security headers, and limits on connections and slow clients. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class TransportTest {

  private static Gateway gatewayTo(Vertx vertx, Path dir, String name, String upstream, JsonObject proxy) {
    JsonObject config = TestGateway.config(dir.resolve(name), new JsonArray().add(TestGateway.route("api", "/api", upstream)))
      .put("proxy", proxy);
    return TestGateway.start(vertx, config).await();
  }

  @Test
  void httpsUpstreamsAreVerifiedAgainstTheCaBundleAndTheirHostname(Vertx vertx, @TempDir Path dir) {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    HttpServer upstream = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
      .requestHandler(request -> request.response().end("over tls")).listen(0, "127.0.0.1").await();
    int port = upstream.actualPort();
    JsonObject trusting = new JsonObject().put("trustedCaFile", certificate.certificatePath());

    Gateway trusted = gatewayTo(vertx, dir, "trusted", "https://localhost:" + port, trusting);
    Http.Response ok = new Http(vertx.createHttpClient(), trusted.port()).get("/api/x");
    assertEquals(200, ok.status());
    assertEquals("over tls", ok.body().toString());

    Gateway untrusted = gatewayTo(vertx, dir, "untrusted", "https://localhost:" + port, new JsonObject());
    assertEquals(502, new Http(vertx.createHttpClient(), untrusted.port()).get("/api/x").status(), "not in the JVM's trust store");

    Gateway wrongName = gatewayTo(vertx, dir, "wrong-name", "https://127.0.0.1:" + port, trusting);
    assertEquals(502, new Http(vertx.createHttpClient(), wrongName.port()).get("/api/x").status(), "the certificate names localhost");

    Gateway unverified = gatewayTo(vertx, dir, "unverified", "https://127.0.0.1:" + port, trusting.copy().put("verifyHostname", false));
    assertEquals(200, new Http(vertx.createHttpClient(), unverified.port()).get("/api/x").status());
  }

  @Test
  void httpsListenerSendsHstsNosniffAndServesARenewedCertificateAfterAReload(Vertx vertx, @TempDir Path dir) throws Exception {
    SelfSignedCertificate first = SelfSignedCertificate.create("localhost");
    SelfSignedCertificate renewed = SelfSignedCertificate.create("localhost");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(Path.of(first.certificatePath()), cert);
    Files.copy(Path.of(first.privateKeyPath()), key);
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url())));
    config.getJsonObject("server").put("hstsMaxAgeSeconds", 31_536_000)
      .put("tls", new JsonObject().put("certPath", cert.toString()).put("keyPath", key.toString()));
    Gateway gateway = TestGateway.start(vertx, config).await();

    HttpClientResponse health = get(vertx, gateway.port(), "/health/live");
    assertEquals("max-age=31536000", health.getHeader("strict-transport-security"));
    assertEquals("nosniff", health.getHeader("x-content-type-options"));
    HttpClientResponse notFound = get(vertx, gateway.port(), "/nowhere");
    assertEquals(404, notFound.statusCode());
    assertEquals("nosniff", notFound.getHeader("x-content-type-options"));
    Certificate before = health.request().connection().peerCertificates().get(0);

    Files.copy(Path.of(renewed.certificatePath()), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(renewed.privateKeyPath()), key, StandardCopyOption.REPLACE_EXISTING);
    gateway.reload(TestGateway.parse(config)).await();
    Certificate after = get(vertx, gateway.port(), "/health/live").request().connection().peerCertificates().get(0);
    assertNotEquals(before, after);
  }

  /** Over a new connection each time, trusting any certificate: what is served is what the test checks. */
  private static HttpClientResponse get(Vertx vertx, int port, String uri) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    return client.request(new RequestOptions().setHost("localhost").setPort(port).setURI(uri))
      .compose(request -> request.send().compose(response -> response.body().map(response)))
      .await();
  }

  @Test
  void plainHttpHasNoHsts(Vertx vertx, @TempDir Path dir) {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray())).await();
    assertNull(new Http(vertx.createHttpClient(), gateway.port()).get("/health/live").header("strict-transport-security"));
  }

  @Test
  void connectionsBeyondTheCapAreClosedWhileOpenOnesAreServed(Vertx vertx, @TempDir Path dir) throws Exception {
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url())));
    config.getJsonObject("server").put("maxConnections", 2);
    Gateway gateway = TestGateway.start(vertx, config).await();
    String request = "GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n";
    try (Socket first = new Socket("127.0.0.1", gateway.port()); Socket second = new Socket("127.0.0.1", gateway.port())) {
      assertEquals(200, RawHttp.status(exchangeOn(first, request)));
      assertEquals(200, RawHttp.status(exchangeOn(second, request)));
      assertEquals(-1, RawHttp.status(RawHttp.exchange(gateway.port(), request)), "a third connection is closed unanswered");
      assertEquals(200, RawHttp.status(exchangeOn(first, request)), "open connections are still served");
    }
    // Once they close, their places are free again (their close is noticed asynchronously: try a few times).
    int status = -1;
    for (int attempt = 0; attempt < 50 && status != 200; attempt++) {
      status = RawHttp.status(RawHttp.exchange(gateway.port(), "GET /api/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"));
    }
    assertEquals(200, status);
  }

  @Test
  void aStalledClientIsDroppedAtTheIdleTimeoutWhileOthersAreServed(Vertx vertx, @TempDir Path dir) throws Exception {
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url())));
    config.getJsonObject("server").put("idleTimeoutSeconds", 1);
    Gateway gateway = TestGateway.start(vertx, config).await();
    try (Socket slow = new Socket("127.0.0.1", gateway.port())) {
      slow.getOutputStream().write("GET /api/x HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      assertEquals(200, new Http(vertx.createHttpClient(), gateway.port()).get("/api/other").status());
      slow.setSoTimeout(10_000);
      assertEquals(-1, slow.getInputStream().read(), "the gateway closed the stalled connection");
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      assertTrue(seconds < 5, "closed after " + seconds + " s");
    }
    assertEquals(1, upstream.received().size());
  }

  private static String exchangeOn(Socket socket, String request) throws Exception {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.setSoTimeout(2_000);
    InputStream in = socket.getInputStream();
    StringBuilder received = new StringBuilder();
    byte[] buffer = new byte[4096];
    try {
      // A response of the recording upstream is short: its head and empty body arrive in one read or two.
      while (!received.toString().contains("\r\n\r\n")) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (SocketTimeoutException e) {
      // whatever came is the answer
    }
    return received.toString();
  }
}
