package dev.bffgateway.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The backend {@code scripts/run} puts behind the gateway: answers every request with a JSON echo of what it
 * received (method, path, query, headers, body size), and echoes WebSocket messages, so a user can see
 * exactly what the gateway forwards. Given the gateway's JWKS URL, it also verifies the Bearer token on its
 * own with vertx-auth-jwt, as a real Vert.x backend would, and echoes the verified claims (or why the token was
 * refused).
 */
public final class DemoBackend extends VerticleBase {
  private static final long JWKS_MAX_AGE_MS = 300_000;

  private final String host;
  private final int port;
  private final String jwksUrl;
  private final String issuer;
  private int actualPort;
  private HttpClient client;
  private Future<JWTAuth> verifier;
  private long verifierFetchedAt;

  /** @param jwksUrl the gateway's {@code /.well-known/jwks.json}; null to echo without verifying */
  public DemoBackend(String host, int port, String jwksUrl, String issuer) {
    this.host = host;
    this.port = port;
    this.jwksUrl = jwksUrl;
    this.issuer = issuer;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient();
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
    request.body().compose(body -> verification(request).map(verified -> {
      respond(request, body.length(), verified);
      return null;
    }));
  }

  /** The verified claims, or an error object, or null when there is no token or no JWKS to check it with. */
  private Future<JsonObject> verification(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (jwksUrl == null || authorization == null || !authorization.startsWith("Bearer ")) {
      return Future.succeededFuture(null);
    }
    String token = authorization.substring(7);
    int lastDot = token.lastIndexOf('.');
    if (lastDot < 0 || lastDot == token.indexOf('.') || lastDot == token.length() - 1) {
      // vertx-auth-jwt accepts an unsigned token when none of the JWKS's keys could be loaded: never offer one.
      return Future.succeededFuture(new JsonObject().put("verified", false).put("reason", "the token is not signed"));
    }
    return verifier().compose(checker -> checker.authenticate(new TokenCredentials(token)))
      .map(user -> new JsonObject().put("verified", true).put("claims", user.attributes().getJsonObject("accessToken")))
      .recover(failure -> {
        // Perhaps a key the cached JWKS does not have yet: fetch it again next time.
        verifierFetchedAt = 0;
        return Future.succeededFuture(new JsonObject().put("verified", false).put("reason", String.valueOf(failure.getMessage())));
      });
  }

  /** The gateway's public keys, fetched and kept for five minutes. */
  private Future<JWTAuth> verifier() {
    if (verifier == null || System.currentTimeMillis() - verifierFetchedAt > JWKS_MAX_AGE_MS) {
      verifierFetchedAt = System.currentTimeMillis();
      verifier = client.request(new RequestOptions().setAbsoluteURI(jwksUrl))
        .compose(HttpClientRequest::send)
        .compose(HttpClientResponse::body)
        .map(body -> {
          JsonArray published = body.toJsonObject().getJsonArray("keys", new JsonArray());
          List<JsonObject> keys = new ArrayList<>();
          for (int i = 0; i < published.size(); i++) {
            keys.add(published.getJsonObject(i));
          }
          if (keys.isEmpty()) {
            // A provider without keys would accept unsigned tokens.
            throw new IllegalStateException("the JWKS has no keys");
          }
          return JWTAuth.create(vertx, new JWTAuthOptions().setJwks(keys)
            .setJWTOptions(new JWTOptions().setIssuer(issuer).setLeeway(30)));
        });
      verifier.onFailure(failure -> verifierFetchedAt = 0);
    }
    return verifier;
  }

  private void respond(HttpServerRequest request, int bodyBytes, JsonObject token) {
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
      .put("bodyBytes", bodyBytes);
    if (token != null) {
      echo.put("token", token);
    }
    request.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
      .end(echo.encodePrettily());
  }
}
