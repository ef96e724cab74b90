package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.demo.DemoBackend;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole chain of scripts/run: browser cookie → gateway → Bearer → a backend verifying with the JWKS alone. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class DemoBackendTest {
  @Test
  void theDemoBackendVerifiesTheGatewaysTokensFromItsJwks(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    int gatewayPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      gatewayPort = probe.getLocalPort();
    }
    DemoBackend backend = new DemoBackend("127.0.0.1", 0, "http://127.0.0.1:" + gatewayPort + "/.well-known/jwks.json", "bff-gateway");
    vertx.deployVerticle(backend).await();
    JsonObject config = TestGateway.config(dir, new JsonArray()
      .add(TestGateway.route("api", "/api", "http://127.0.0.1:" + backend.actualPort()).put("auth", "optional").put("stripPrefix", true)));
    config.getJsonObject("server").put("port", gatewayPort);
    config.put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    config.put("cookies", new JsonObject().put("secure", "auto"));
    TestGateway.start(vertx, config).await();
    Http http = new Http(vertx.createHttpClient(), gatewayPort);

    JsonObject anonymous = http.get("/api/hello").json();
    assertEquals("/hello", anonymous.getString("path"));
    assertFalse(anonymous.containsKey("token"));

    CookieJar jar = new CookieJar();
    jar.update(http.send(HttpMethod.POST, "/auth", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await());
    JsonObject echo = http.get("/api/hello", jar.headers()).json();
    JsonObject token = echo.getJsonObject("token");
    assertTrue(token.getBoolean("verified"), token.encode());
    assertEquals("1", token.getJsonObject("claims").getString("sub"));
    assertEquals("alice", token.getJsonObject("claims").getString("preferred_username"));

    JsonObject forged = http.get("/api/hello", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer a.b.c")).json();
    assertFalse(forged.containsKey("token"), "the gateway never forwards a token it did not verify");
  }
}
