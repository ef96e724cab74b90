package dev.bffgateway.edge;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bffgateway.Gateway;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.Poll;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * server.trustedProxies against a real gateway, whose peer in these tests is always 127.0.0.1: trusted, the address
 * its X-Forwarded-For or Forwarded names is the client for the upstream, the access log and sign-in throttling;
 * untrusted, what it forwards changes nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class TrustedProxiesTest {
  private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger("bff.access");
  private Vertx vertx;
  private Path dir;
  private RecordingUpstream upstream;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    this.dir = dir;
    AuthFlowTestSupport.writeUsers(dir);
    upstream = RecordingUpstream.start(vertx).await();
    accessLog.start();
    access.addAppender(accessLog);
    access.setLevel(Level.INFO);
    access.setAdditive(false);
  }

  @AfterEach
  void stopCapturing() {
    access.detachAppender(accessLog);
    access.setLevel(Level.OFF);
    access.setAdditive(true);
  }

  private int gateway(String trustedProxy) {
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("svc", "/svc", upstream.url())))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000).put("maxFailures", 2));
    config.getJsonObject("server").put("trustedProxies", new JsonArray().add(trustedProxy));
    Gateway gateway = TestGateway.start(vertx, config).await();
    return gateway.port();
  }

  /** What the upstream was told, and what the access log says, of a GET with these extra header lines. */
  private String[] proxied(int port, String headers) throws Exception {
    int logged = accessLog.list.size();
    String response = exchange(port, "GET /svc/x HTTP/1.1\r\nHost: gw\r\n" + headers + "Connection: close\r\n\r\n");
    assertEquals(200, RawHttp.status(response), response);
    return new String[] {upstream.last().headers().get("x-forwarded-for"), accessLine(logged).getString("client")};
  }

  /** Connection: close, so the gateway closes once it has answered; a busy machine may take more than a second. */
  private static String exchange(int port, String request) throws Exception {
    return RawHttp.exchange(port, request, null, 10_000).text();
  }

  private JsonObject accessLine(int index) {
    // The line is written once the response has gone out, which the client may see first.
    Poll.until("access log line " + index, Duration.ofSeconds(5), () -> accessLog.list.size() > index);
    synchronized (accessLog) {
      return new JsonObject(accessLog.list.get(index).getFormattedMessage());
    }
  }

  private static String signIn(int port, String forwarded, String password) throws Exception {
    String body = "{\"userName\":\"alice\",\"password\":\"" + password + "\"}";
    return exchange(port, "POST /auth HTTP/1.1\r\nHost: gw\r\n" + forwarded + "Content-Type: application/json\r\n"
      + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
  }

  @Test
  void behindATrustedProxyTheForwardedClientIsTheClient() throws Exception {
    int port = gateway("127.0.0.1/32");

    // 6.6.6.6 is what the client wrote itself; 198.51.100.7 is what the proxy saw.
    assertEquals(List.of("198.51.100.7, 127.0.0.1", "198.51.100.7"),
      List.of(proxied(port, "X-Forwarded-For: 6.6.6.6, 198.51.100.7\r\n")));
    assertEquals(List.of("2001:db8:cafe::17, 127.0.0.1", "2001:db8:cafe::17"),
      List.of(proxied(port, "Forwarded: for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https\r\n")));
    assertEquals(List.of("127.0.0.1", "127.0.0.1"), List.of(proxied(port, "Forwarded: for=\"198.51.100.7\r\n")),
      "a malformed Forwarded is not believed, and is no error");
    assertEquals(List.of("127.0.0.1", "127.0.0.1"), List.of(proxied(port, "X-Forwarded-For: 198.51.100.7, unknown\r\n")));
    assertEquals(List.of("127.0.0.1", "127.0.0.1"), List.of(proxied(port, "")));

    // Failures from two forwarded addresses are counted apart: one is throttled, the other is not.
    for (int i = 0; i < 2; i++) {
      assertEquals(401, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.7\r\n", "guess")));
    }
    assertEquals(429, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.7\r\n", "wonderland")));
    assertEquals(429, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.8, 198.51.100.7\r\n", "wonderland")),
      "the address the client put first is not its address");
    assertEquals(200, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.8\r\n", "wonderland")));
  }

  @Test
  void fromAnUntrustedPeerWhatItForwardsChangesNothing() throws Exception {
    int port = gateway("10.0.0.0/8");

    assertEquals(List.of("127.0.0.1", "127.0.0.1"), List.of(proxied(port, "X-Forwarded-For: 198.51.100.7\r\n")));
    assertEquals(List.of("127.0.0.1", "127.0.0.1"), List.of(proxied(port, "Forwarded: for=198.51.100.7\r\n")));

    // Failures are counted by the peer, whatever address each request claims.
    assertEquals(401, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.7\r\n", "guess")));
    assertEquals(401, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.8\r\n", "guess")));
    assertEquals(429, RawHttp.status(signIn(port, "X-Forwarded-For: 198.51.100.9\r\n", "wonderland")));
  }
}
