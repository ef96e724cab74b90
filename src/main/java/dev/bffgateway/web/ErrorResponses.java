package dev.bffgateway.web;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Errors as ServiceStack writes them: {@code {"responseStatus":{"errorCode","message","errors":[]}}}, so that
 * ServiceStack clients surface them unchanged. Never a stack trace, never HTML.
 */
public final class ErrorResponses {
  public static final String JSON = "application/json; charset=utf-8";

  private ErrorResponses() {
  }

  public static Buffer body(int status, String message) {
    JsonObject responseStatus = new JsonObject()
      .put("errorCode", errorCode(status))
      .put("message", message)
      .put("errors", new JsonArray());
    return new JsonObject().put("responseStatus", responseStatus).toBuffer();
  }

  public static Future<Void> send(HttpServerResponse response, int status, String message) {
    if (response.headWritten()) {
      // Too late for a clean error: the status line is gone. Cut the exchange instead of corrupting it.
      response.reset();
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .end(body(status, message));
  }

  /** ServiceStack's error codes are the names of .NET's HttpStatusCode values. */
  public static String errorCode(int status) {
    return switch (status) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 413 -> "RequestEntityTooLarge";
      case 429 -> "TooManyRequests";
      case 502 -> "BadGateway";
      case 503 -> "ServiceUnavailable";
      case 504 -> "GatewayTimeout";
      default -> status >= 500 ? "InternalServerError" : "BadRequest";
    };
  }
}
