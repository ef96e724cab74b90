package dev.bffgateway;

import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKeys;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reloading a running gateway, and stopping it without dropping what is in flight. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class LifecycleTest {

  /** Completes {@code arrived} when a /slow request reaches the upstream, which answers it once released. */
  private record Slow(Promise<Void> arrived, Promise<Void> release) {
  }

  private static Slow holdSlowRequests(RecordingUpstream upstream) {
    Slow slow = new Slow(Promise.promise(), Promise.promise());
    upstream.handler(request -> upstream.record(request).onSuccess(received -> {
      if (request.path().endsWith("/slow")) {
        slow.arrived().tryComplete();
        slow.release().future().onComplete(done -> request.response().end("slow done"));
      } else {
        request.response().end("fast");
      }
    }));
    return slow;
  }

  @Test
  void reloadSwapsRoutesWithoutDroppingConnectionsOrInFlightRequests(Vertx vertx, @TempDir Path dir) {
    RecordingUpstream one = RecordingUpstream.start(vertx).await();
    RecordingUpstream two = RecordingUpstream.start(vertx).await();
    Slow hold = holdSlowRequests(one);
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("a", "/a", one.url())));
    Gateway gateway = TestGateway.start(vertx, config).await();

    AtomicInteger connections = new AtomicInteger();
    HttpClient client = vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(1))
      .withConnectHandler(connection -> connections.incrementAndGet()).build();
    Http http = new Http(client, gateway.port());
    assertEquals(200, http.get("/a/first").status());
    Future<Http.Response> slow = new Http(vertx.createHttpClient(), gateway.port()).send(HttpMethod.GET, "/a/slow", null, null);
    hold.arrived().future().await();

    JsonObject next = config.copy().put("routes", new JsonArray().add(TestGateway.route("b", "/b", two.url())));
    next.getJsonObject("server").put("idleTimeoutSeconds", 120);
    List<String> restartNeeded = gateway.reload(TestGateway.parse(next)).await();
    assertEquals(List.of("server"), restartNeeded);

    assertEquals(404, http.get("/a/after").status());
    assertEquals(200, http.get("/b/after").status());
    assertEquals("/b/after", two.last().uri());
    assertFalse(slow.isComplete());
    hold.release().complete();
    Http.Response finished = slow.await();
    assertEquals(200, finished.status());
    assertEquals("slow done", finished.body().toString());
    assertEquals(1, connections.get(), "the reload kept the client's connection");
    assertEquals(60, gateway.config().server().idleTimeoutSeconds(), "the listener keeps its settings until a restart");
  }

  @Test
  void reloadRotatesTheSigningKeyWithoutLoggingAnyoneOut(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    TokenKeys.generate(JwsAlgorithm.ES256, dir.resolve("old.pem"));
    TokenKeys.generate(JwsAlgorithm.ES256, dir.resolve("new.pem"));
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000))
      .put("cookies", new JsonObject().put("secure", "auto"))
      .put("tokens", new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("pem", dir.resolve("old.pem").toString()))));
    Gateway gateway = TestGateway.start(vertx, config).await();
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    CookieJar before = signIn(http);
    String oldKid = kid(before.get("ss-tok"));

    config.getJsonObject("tokens").put("keys", new JsonArray()
      .add(new JsonObject().put("pem", dir.resolve("new.pem").toString()).put("signing", true))
      .add(new JsonObject().put("pem", dir.resolve("old.pem").toString())));
    assertEquals(List.of(), gateway.reload(TestGateway.parse(config)).await());

    assertEquals(200, http.get("/api/still-signed-in", before.headers()).status(), "tokens of the old key still verify");
    CookieJar after = signIn(http);
    assertNotEquals(oldKid, kid(after.get("ss-tok")));
    assertEquals(200, http.get("/api/new-key", after.headers()).status());
    assertEquals(2, http.get("/.well-known/jwks.json").json().getJsonArray("keys").size());
  }

  @Test
  void stopFinishesInFlightRequestsAndTakesNoNewOnes(Vertx vertx, @TempDir Path dir) {
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    Slow hold = holdSlowRequests(upstream);
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray().add(TestGateway.route("a", "/a", upstream.url()))))
      .await();
    Future<Http.Response> slow = new Http(vertx.createHttpClient(), gateway.port()).send(HttpMethod.GET, "/a/slow", null, null);
    hold.arrived().future().await();

    Future<Void> stopped = gateway.stop();
    Future<Http.Response> late = new Http(vertx.createHttpClient(), gateway.port()).send(HttpMethod.GET, "/a/late", null, null);
    assertTrue(late.transform(answered -> Future.succeededFuture(answered.failed())).await(), "a new connection is refused");
    assertFalse(stopped.isComplete(), "the gateway waits for the request in flight");
    hold.release().complete();
    assertEquals("slow done", slow.await().body().toString());
    stopped.await();
    assertFalse(upstream.received().stream().anyMatch(r -> r.uri().equals("/a/late")));
  }

  private static CookieJar signIn(Http http) {
    CookieJar jar = new CookieJar();
    Http.Response response = http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", "wonderland").toBuffer()).await();
    assertEquals(200, response.status());
    jar.update(response);
    return jar;
  }

  private static String kid(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8)).getString("kid");
  }
}
