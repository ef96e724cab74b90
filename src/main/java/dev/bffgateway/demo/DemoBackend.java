package dev.bffgateway.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The backend {@code scripts/run} puts behind the gateway: answers every request with a JSON echo of what it
 * received (method, path, query, headers, body size), and echoes WebSocket messages, so a user can see
 * exactly what the gateway forwards.
 */
public final class DemoBackend extends VerticleBase {
  private final String host;
  private final int port;
  private int actualPort;

  public DemoBackend(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
      .requestHandler(this::echo)
      .listen(port, host)
      .onSuccess(server -> actualPort = server.actualPort())
      .map(HttpServer::actualPort);
  }

  public int actualPort() {
    return actualPort;
  }

  private void echo(HttpServerRequest request) {
    if (request.canUpgradeToWebSocket()) {
      request.toWebSocket().onSuccess(socket -> socket
        .textMessageHandler(socket::writeTextMessage)
        .binaryMessageHandler(socket::writeBinaryMessage));
      return;
    }
    request.body().onSuccess(body -> {
      JsonObject headers = new JsonObject();
      for (String name : request.headers().names()) {
        var values = request.headers().getAll(name);
        headers.put(name.toLowerCase(java.util.Locale.ROOT), values.size() == 1 ? values.get(0) : new JsonArray(values));
      }
      JsonObject echo = new JsonObject()
        .put("method", request.method().name())
        .put("path", request.path())
        .put("query", request.query())
        .put("headers", headers)
        .put("bodyBytes", body.length());
      request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
        .end(echo.encodePrettily());
    });
  }
}
