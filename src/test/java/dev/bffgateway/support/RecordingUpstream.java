package dev.bffgateway.support;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP upstream on a free port that records every request it receives (method, URI, headers, body)
 * and answers 200 with the request body, unless a test installs its own handler. WebSockets are echoed.
 */
public final class RecordingUpstream {
  public record Received(HttpMethod method, String uri, MultiMap headers, Buffer body) {
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile Handler<HttpServerRequest> handler = this::echoBody;
  private HttpServer server;

  public static Future<RecordingUpstream> start(Vertx vertx) {
    RecordingUpstream upstream = new RecordingUpstream();
    return vertx.createHttpServer()
      .requestHandler(request -> {
        if (request.canUpgradeToWebSocket()) {
          upstream.received.add(new Received(request.method(), request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), Buffer.buffer()));
          request.toWebSocket().onSuccess(socket -> socket
        .textMessageHandler(socket::writeTextMessage)
        .binaryMessageHandler(socket::writeBinaryMessage));
        } else {
          upstream.handler.handle(request);
        }
      })
      .listen(0, "127.0.0.1")
      .map(server -> {
        upstream.server = server;
        return upstream;
      });
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public List<Received> received() {
    return received;
  }

  public Received last() {
    return received.isEmpty() ? null : received.get(received.size() - 1);
  }

  /** Replaces the default behaviour; requests are then not recorded unless the handler calls record. */
  public void handler(Handler<HttpServerRequest> handler) {
    this.handler = handler;
  }

  public Future<Received> record(HttpServerRequest request) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    return request.body().map(body -> {
      Received entry = new Received(request.method(), request.uri(), headers, body);
      received.add(entry);
      return entry;
    });
  }

  private void echoBody(HttpServerRequest request) {
    record(request).onSuccess(entry -> {
      String type = entry.headers().get("content-type");
      if (type != null) {
        request.response().putHeader("content-type", type);
      }
      request.response().putHeader("x-upstream", "recording").end(entry.body());
    });
  }
}
