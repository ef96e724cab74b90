package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RawHttp;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile input bounces off with a clear 4xx and changes nothing in the store. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class HostileInputTest {
  @TempDir
  Path dir;
  private RecordingUpstream upstream;
  private Http http;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray()
        .add(TestGateway.route("open", "/api", upstream.url()).put("auth", "optional"))
        .add(TestGateway.route("secure", "/secure", upstream.url()).put("auth", "required")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000))
      .put("cookies", new JsonObject().put("secure", "auto"));
    Gateway gateway = TestGateway.start(vertx, config).await();
    port = gateway.port();
    http = new Http(vertx.createHttpClient(), port);
  }

  private long rows(String table) throws Exception {
    return TestGateway.count(dir, "SELECT COUNT(*) FROM " + table);
  }

  private CookieJar signIn() {
    CookieJar jar = new CookieJar();
    jar.update(http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await());
    return jar;
  }

  @Test
  void oversizedHeadersAndCookiesGet431() throws Exception {
    String big = "a".repeat(20_000);
    assertEquals(431, RawHttp.status(RawHttp.exchange(port, "GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Big: " + big + "\r\n\r\n")));
    assertEquals(431, RawHttp.status(RawHttp.exchange(port, "GET /api/x HTTP/1.1\r\nHost: gw\r\nCookie: ss-tok=" + big + "\r\n\r\n")));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aCookieSentTwiceIsUsedNotAtAll() throws Exception {
    CookieJar jar = signIn();
    String valid = jar.get("ss-reftok");
    MultiMap twice = MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=" + valid + "; ss-reftok=planted");
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", twice, null).await().status());
    MultiMap twiceReversed = MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-reftok=planted").add("cookie", "ss-reftok=" + valid);
    assertEquals(401, http.send(HttpMethod.POST, "/access-token", twiceReversed, null).await().status());
    MultiMap twoAccessTokens = MultiMap.caseInsensitiveMultiMap().add("cookie", "ss-tok=" + jar.get("ss-tok") + "; ss-tok=x");
    assertEquals(401, http.get("/secure/x", twoAccessTokens).status());
    assertEquals(0, TestGateway.count(dir, "SELECT COUNT(*) FROM refresh_tokens WHERE rotated_at IS NOT NULL"), "nothing rotated");
    assertEquals(200, http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await().status(), "the real cookie still works");
  }

  @Test
  void controlBytesInHeadersAndPathsGet400() throws Exception {
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, "GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Bad: a\0b\r\n\r\n")));
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, "GET /api/a\0b HTTP/1.1\r\nHost: gw\r\n\r\n")));
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, "GET /api/a%00b HTTP/1.1\r\nHost: gw\r\n\r\n")));
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, "GET /api/a%0d%0aSet-Cookie:x HTTP/1.1\r\nHost: gw\r\n\r\n")));
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, "GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Bad: a\rb\r\n\r\n")));
    assertTrue(upstream.received().isEmpty(), upstream.received().toString());
  }

  @Test
  void conflictingFramingNeverReachesTheUpstreamAmbiguously() throws Exception {
    String twoLengths = "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd";
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, twoLengths)));
    String obfuscated = "POST /api/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n";
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, obfuscated)));

    // Both headers: a proxy in front may have framed the body by Content-Length, so neither this request nor the
    // one behind it is served (RFC 9112 section 6.3; Netty's decoder refuses it from 4.2.18, see FramingTest).
    String both = "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
      + "GET /api/next HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n";
    assertEquals(400, RawHttp.status(RawHttp.exchange(port, both)));
    assertTrue(upstream.received().isEmpty(), upstream.received().toString());
  }

  @Test
  void absoluteFormAndHostTricksCannotRetargetTheUpstream() throws Exception {
    String absolute = RawHttp.exchange(port, "GET http://evil.example/api/x?q=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assertEquals(200, RawHttp.status(absolute));
    assertEquals("/api/x?q=1", upstream.last().uri());
    // Userinfo, and an authority other than Host (which Vert.x's authority() would report instead): refused.
    String userInfo = RawHttp.exchange(port, "GET http://user@evil.example:80/api/y HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals(400, RawHttp.status(userInfo));
    String atInPath = RawHttp.exchange(port, "GET /api/@evil.example/z HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals(200, RawHttp.status(atInPath));
    assertEquals("/api/@evil.example/z", upstream.last().uri());
    assertEquals(2, upstream.received().size(), "every request went to the configured upstream, nowhere else");
    String schemeRelative = RawHttp.exchange(port, "GET //evil.example/api/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals(404, RawHttp.status(schemeRelative), "a path like any other: /evil.example/api/x, which no route serves");
    assertEquals(2, upstream.received().size());
  }

  @Test
  void jsonBombsOnTheAuthEndpointsGet4xxAndChangeNothing() throws Exception {
    MultiMap json = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    Buffer deepArrays = Buffer.buffer("[".repeat(30_000) + "]".repeat(30_000));
    assertEquals(400, http.send(HttpMethod.POST, "/auth/credentials", json, deepArrays).await().status());
    Buffer deepObjects = Buffer.buffer("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
    assertEquals(400, http.send(HttpMethod.POST, "/auth/credentials", json, deepObjects).await().status());
    Buffer hugeString = new JsonObject().put("userName", "x".repeat(1_000_000)).put("password", "y").toBuffer();
    assertEquals(413, http.send(HttpMethod.POST, "/auth/credentials", json, hugeString).await().status());
    Buffer manyKeys = Buffer.buffer("{" + "\"k\":1,".repeat(9_000) + "\"userName\":\"alice\",\"password\":\"no\"}");
    assertEquals(401, http.send(HttpMethod.POST, "/auth/credentials", json, manyKeys).await().status());
    assertEquals(0, rows("families"));
  }

  @Test
  void fuzzedCookiesTokensAndBodiesNeverCauseA500() throws Exception {
    Random random = new Random(20261129);
    Set<Integer> expected = Set.of(400, 401, 413, 431);
    for (int i = 0; i < 150; i++) {
      String cookie = "ss-tok=" + randomText(random, 1 + random.nextInt(300)) + "; ss-reftok=" + randomText(random, random.nextInt(60))
        + "; ss-id=" + randomText(random, random.nextInt(60));
      int secured = http.get("/secure/x", MultiMap.caseInsensitiveMultiMap().add("cookie", cookie)).status();
      assertTrue(expected.contains(secured), "cookie " + cookie + " got " + secured);
      int refreshed = http.send(HttpMethod.POST, "/access-token", MultiMap.caseInsensitiveMultiMap().add("cookie", cookie), null).await().status();
      assertTrue(expected.contains(refreshed), "cookie " + cookie + " got " + refreshed);
      String bearer = "Bearer " + randomText(random, 20) + "." + randomText(random, 40) + "." + randomText(random, 40);
      int withToken = http.get("/secure/x", MultiMap.caseInsensitiveMultiMap().add("authorization", bearer)).status();
      assertTrue(expected.contains(withToken), bearer + " got " + withToken);
      byte[] body = new byte[random.nextInt(2_000)];
      random.nextBytes(body);
      String type = random.nextBoolean() ? "application/json" : "application/x-www-form-urlencoded";
      int signIn = http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", type),
        Buffer.buffer(body)).await().status();
      assertTrue(expected.contains(signIn), "a random " + type + " body got " + signIn);
    }
    assertTrue(upstream.received().isEmpty());
    assertEquals(0, rows("families"));
    assertEquals(0, rows("refresh_tokens"));
  }

  /** Printable ASCII and the separators a cookie or token parser must survive; never a byte a header cannot carry. */
  private static String randomText(Random random, int length) {
    String alphabet = "abcXYZ019-_.=;,\"\\ %/+~!$&'()*:@[]{}<>?";
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }
}
