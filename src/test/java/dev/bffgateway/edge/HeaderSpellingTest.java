package dev.bffgateway.edge;

import dev.bffgateway.Gateway;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
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

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact bytes of header names: the gateway's own responses as a ServiceStack server spells them on HTTP/1.1,
 * an upstream's as the upstream did, and lower case on HTTP/2.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class HeaderSpellingTest {
  private static final Pattern NAME = Pattern.compile("(?m)^([A-Za-z0-9-]+):");
  private int port;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    upstream.handler(request -> request.response().putHeader("content-type", "text/plain").putHeader("x-upstream", "1")
      .putHeader("set-cookie", "upstream=1; Path=/").end("hello"));
    JsonObject config = TestGateway.config(dir, new JsonArray()
      .add(TestGateway.route("orders", "/orders", upstream.url()).put("auth", "optional")));
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    config.getJsonObject("server").put("h2c", true);
    Gateway gateway = TestGateway.start(vertx, config).await();
    port = gateway.port();
  }

  /** The header names of the response's head, as sent. */
  private static List<String> names(String response) {
    String head = response.substring(0, response.indexOf("\r\n\r\n"));
    Matcher matcher = NAME.matcher(head);
    List<String> names = new java.util.ArrayList<>();
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  private String exchange(String request) throws Exception {
    return RawHttp.exchange(port, request.replace("\n", "\r\n"));
  }

  @Test
  void errorsOfTheGatewayAreSpelledAsServiceStackSpellsThem() throws Exception {
    String anonymous = exchange("GET /json/reply/Authenticate HTTP/1.1\nHost: a\nConnection: close\n\n");
    assertEquals(401, RawHttp.status(anonymous));
    List<String> names = names(anonymous);
    assertTrue(names.containsAll(List.of("Content-Type", "WWW-Authenticate", "Cache-Control", "Content-Length")), names.toString());

    String refused = exchange("POST /json/reply/GetAccessToken HTTP/1.1\nHost: a\nConnection: close\nContent-Type: application/json\n"
      + "Content-Length: 24\n\n{\"refreshToken\":\"stale\"}");
    assertEquals(401, RawHttp.status(refused));
    assertTrue(names(refused).containsAll(List.of("Content-Type", "Set-Cookie")), names(refused).toString());
    assertTrue(refused.contains("\"errorCode\":\"Unauthorized\""), refused);

    String unknown = exchange("GET /nowhere HTTP/1.1\nHost: a\nConnection: close\n\n");
    assertEquals(404, RawHttp.status(unknown));
    assertTrue(names(unknown).contains("Content-Type"), names(unknown).toString());
  }

  @Test
  void aSignInSpellsItsCookiesAndTheirNames() throws Exception {
    String body = "{\"userName\":\"bob\",\"password\":\"builder\"}";
    String signedIn = exchange("POST /auth HTTP/1.1\nHost: a\nConnection: close\nContent-Type: application/json\nContent-Length: "
      + body.length() + "\n\n" + body);
    assertEquals(200, RawHttp.status(signedIn));
    List<String> names = names(signedIn);
    assertTrue(names.containsAll(List.of("Content-Type", "Set-Cookie", "X-Cookies", "Cache-Control")), names.toString());
    assertEquals(2, names.stream().filter("Set-Cookie"::equals).count(), "ss-tok and ss-reftok: " + signedIn);
    assertTrue(names.stream().noneMatch(name -> name.equals("set-cookie") || name.equals("content-type")), names.toString());
  }

  @Test
  void anUpstreamsResponseKeepsItsSpelling() throws Exception {
    String relayed = exchange("GET /orders/1 HTTP/1.1\nHost: a\nConnection: close\n\n");
    assertEquals(200, RawHttp.status(relayed));
    List<String> names = names(relayed);
    assertTrue(names.containsAll(List.of("content-type", "x-upstream", "set-cookie")), names.toString());
  }

  @Test
  void http2NamesStayLowerCase(Vertx vertx) {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    // Netty's HTTP/2 client refuses upper-case names as a protocol error: the response arriving at all is the check.
    List<String> names = h2.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/json/reply/Authenticate"))
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> {
        assertEquals(HttpVersion.HTTP_2, response.version());
        assertEquals(401, response.statusCode());
        assertTrue(body.toString().contains("Not Authenticated"), body.toString());
        return List.copyOf(response.headers().names());
      }))
      .await();
    assertTrue(names.contains("www-authenticate") && names.contains("content-type"), names.toString());
    assertTrue(names.stream().allMatch(name -> name.equals(name.toLowerCase())), names.toString());
  }
}
