package dev.bffgateway.edge;

import dev.bffgateway.config.CorsConfig;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.LogCapture;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Whatever a target throws, the router's failure handler gives the client an answer. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class FrontDoorTest {

  @Test
  void aTargetThatThrowsAnswersA500AndTheConnectionGoesOn(Vertx vertx) {
    Target broken = new Target("broken", null, (ctx, exchange) -> {
      ctx.request().pause();
      throw new IllegalStateException("a detail for the log only");
    }, false);
    FrontDoor door = new FrontDoor(RouteTable.<Target>builder().put("/broken", broken).build(),
      new Cors(new CorsConfig(Set.of(), false, List.of(), List.of(), List.of(), 0)), new AccessLog(false), new ClientAddresses(List.of()), 0);
    Router router = Router.router(vertx);
    router.route().handler(door).failureHandler(ctx -> ErrorResponses.failed(ctx, 1024));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    Http http = new Http(vertx.createHttpClient(), server.actualPort());

    try (LogCapture log = LogCapture.of(ErrorResponses.class)) {
      Http.Response withBody = http.send(HttpMethod.POST, "/broken/x", MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("{}")).await();
      assertEquals(500, withBody.status());
      assertEquals("InternalServerError", withBody.json().getJsonObject("responseStatus").getString("errorCode"));
      assertFalse(withBody.body().toString().contains("detail"), "the fault's message stays in the log");
      assertEquals(500, http.send(HttpMethod.GET, "/broken/y", MultiMap.caseInsensitiveMultiMap(), null).await().status());
      assertEquals(List.of("ERROR request failed: a detail for the log only", "ERROR request failed: a detail for the log only"), log.warnings());
    }
  }
}
