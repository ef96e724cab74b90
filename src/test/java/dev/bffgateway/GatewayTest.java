package dev.bffgateway;

import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.RedisServer;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.token.TokenKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
@Timeout(60)
class GatewayTest {

  @Test
  void createsTheDataDirectoryForItsOwnerOnly(Vertx vertx, @TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("state/data");
    TestGateway.start(vertx, TestGateway.config(dataDir, new JsonArray())).await();
    assertTrue(Files.isDirectory(dataDir));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)));
  }

  @Test
  void servesHttpsFromPemFilesAndTellsTheUpstream(Vertx vertx, @TempDir Path dir) {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url())));
    config.getJsonObject("server").put("tls", new JsonObject()
      .put("certPath", certificate.certificatePath())
      .put("keyPath", certificate.privateKeyPath()));
    Gateway gateway = TestGateway.start(vertx, config).await();

    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(certificate.certificatePath())));
    HttpClientResponse response = client.request(new RequestOptions().setHost("localhost").setPort(gateway.port()).setURI("/api/secure"))
      .compose(request -> request.send())
      .await();
    assertEquals(200, response.statusCode());
    assertEquals("https", upstream.last().headers().get("x-forwarded-proto"));
    assertEquals("/api/secure", upstream.last().uri());
  }

  @Test
  void servesTheJwksOfItsGeneratedKeyWithCacheControl(Vertx vertx, @TempDir Path dir) throws Exception {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray())).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());

    Http.Response response = http.get("/.well-known/jwks.json");
    assertEquals(200, response.status());
    assertEquals("public, max-age=300", response.header("cache-control"));
    assertTrue(response.header("content-type").startsWith("application/json"));
    JsonObject key = response.json().getJsonArray("keys").getJsonObject(0);
    assertEquals("ES256", key.getString("alg"));
    assertEquals("sig", key.getString("use"));
    String kid = TokenKeys.load(TestGateway.parse(TestGateway.config(dir, new JsonArray())).tokens(), dir).signing().kid();
    assertEquals(kid, key.getString("kid"), "the key generated at first start, reused");
  }

  @Test
  void readinessFollowsTheStore(Vertx vertx, @TempDir Path dir) throws Exception {
    try (RedisServer redis = RedisServer.start(dir)) {
      JsonObject config = TestGateway.config(dir, new JsonArray());
      TestGateway.redisStore(config, redis);
      Gateway gateway = TestGateway.start(vertx, config).await();
      Http http = new Http(vertx.createHttpClient(), gateway.port());

      assertEquals(200, http.get("/health/ready").status());
      assertEquals("UP", storeCheck(http.get("/health/ready")).getString("status"));

      redis.kill();
      Http.Response down = http.get("/health/ready");
      assertEquals(503, down.status());
      assertEquals("DOWN", storeCheck(down).getString("status"));
      assertEquals(200, http.get("/health/live").status(), "alive all the same");

      redis.startProcess();
      assertEquals(200, http.get("/health/ready").status(), "ready again without a restart");
    }
  }

  @Test
  void embeddedStoreIsReadyAndSurvivesInTheDataDirectory(Vertx vertx, @TempDir Path dir) {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray())).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    JsonObject store = storeCheck(http.get("/health/ready"));
    assertEquals("UP", store.getString("status"));
    assertEquals("sqlite", store.getJsonObject("data").getString("type"));
    assertTrue(Files.isRegularFile(dir.resolve("bff-gateway.db")));
    gateway.stop().await();
  }

  private static JsonObject storeCheck(Http.Response response) {
    for (Object check : response.json().getJsonArray("checks")) {
      if (((JsonObject) check).getString("id").equals("store")) {
        return (JsonObject) check;
      }
    }
    throw new AssertionError("no store check in " + response.json());
  }
}
