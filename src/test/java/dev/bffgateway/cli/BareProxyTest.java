package dev.bffgateway.cli;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bench's bare HttpProxy forwards to its upstream and brings the answer back. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class BareProxyTest {
  @Test
  void forwardsToTheUpstream(Vertx vertx) {
    HttpServer upstream = vertx.createHttpServer()
      .requestHandler(request -> request.response().putHeader("x-upstream", "yes").end("upstream saw " + request.method() + " " + request.uri()))
      .listen(0, "127.0.0.1").await();
    BareProxy proxy = new BareProxy("127.0.0.1", 0, "127.0.0.1", upstream.actualPort());
    vertx.deployVerticle(proxy).await();

    HttpClient client = vertx.createHttpClient();
    // The body is read in the same step as the response: a response not read at once can end unseen.
    String answer = client.request(HttpMethod.GET, proxy.actualPort(), "127.0.0.1", "/bench/x?a=1")
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> response.statusCode() + " " + response.getHeader("x-upstream") + " " + body))
      .await();

    assertEquals("200 yes upstream saw GET /bench/x?a=1", answer);
  }

  @Test
  void theCommandWantsAPortAndAnHttpUpstream() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream print = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
    Cli cli = new Cli(java.io.InputStream.nullInputStream(), print, print, name -> null);
    assertEquals(Cli.OK, cli.execute("bare-proxy", "--help"));
    assertEquals(Cli.INVALID, cli.execute("bare-proxy", "--port", "8080"));
    assertEquals(Cli.INVALID, cli.execute("bare-proxy", "--port", "8080", "--upstream", "https://127.0.0.1:9000"));
    assertEquals(Cli.INVALID, cli.execute("bare-proxy", "--port", "x", "--upstream", "http://127.0.0.1:9000"));
    org.junit.jupiter.api.Assertions.assertTrue(out.toString(java.nio.charset.StandardCharsets.UTF_8)
      .contains("Usage: bff-gateway bare-proxy --port PORT --upstream http://HOST:PORT"));
  }
}
