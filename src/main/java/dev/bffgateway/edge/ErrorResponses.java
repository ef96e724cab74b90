package dev.bffgateway.edge;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors as ServiceStack writes them: {@code {"responseStatus":{"errorCode","message","errors":[]}}}, so that
 * ServiceStack clients surface them unchanged. Never a stack trace, never HTML.
 */
public final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
  public static final String JSON = "application/json; charset=utf-8";

  private ErrorResponses() {
  }

  public static Buffer body(int status, String message) {
    return body(errorCode(status), message, new JsonArray());
  }

  /** A validation failure as ServiceStack reports it: the first field error's code and message on top. */
  public static Buffer validationBody(JsonArray fieldErrors) {
    JsonObject first = fieldErrors.getJsonObject(0);
    return body(first.getString("errorCode"), first.getString("message"), fieldErrors);
  }

  /** One entry of {@code errors[]}. */
  public static JsonObject fieldError(String errorCode, String fieldName, String message) {
    return new JsonObject().put("errorCode", errorCode).put("fieldName", fieldName).put("message", message);
  }

  private static Buffer body(String errorCode, String message, JsonArray errors) {
    JsonObject responseStatus = new JsonObject()
      .put("errorCode", errorCode)
      .put("message", message)
      .put("errors", errors);
    return new JsonObject().put("responseStatus", responseStatus).toBuffer();
  }

  /** On everything the gateway answers itself: a browser must never guess a JSON error to be HTML or script. */
  public static final String NOSNIFF = "x-content-type-options";

  /** A fault of the gateway itself: the stack trace goes to the log, the client gets a plain 500. */
  public static Future<Void> fault(HttpServerResponse response, Throwable fault) {
    LOG.error("request failed", fault);
    return send(response, 500, "The gateway could not handle the request");
  }

  /**
   * The router's failure handler, for every request: a {@link Refusal} is answered with its status and message; a
   * status vertx-web failed the request with (a body over the limit, a malformed request) with its own message; a
   * dependency that failed (the store, the login API, an identity provider) as {@link Failures} says; anything else
   * is a fault.
   */
  public static void failed(RoutingContext ctx, long maxBodyBytes) {
    HttpServerResponse response = ctx.response();
    HeaderSpelling.serviceStack(ctx);
    ctx.request().resume();
    if (ctx.failure() instanceof Refusal refusal) {
      send(response, refusal.status(), refusal.getMessage());
      return;
    }
    if (isMalformedRequest(ctx.failure())) {
      // The client's bytes, not a fault of the gateway: no stack trace for anyone to flood the log with.
      LOG.debug("malformed request: {}", ctx.failure().toString());
      send(response, 400, "The request is not valid");
      return;
    }
    switch (ctx.statusCode()) {
      case 400 -> send(response, 400, "The request is not valid");
      case 404 -> send(response, 404, "No route matches " + ctx.normalizedPath());
      case 405 -> send(response, 405, "Method " + ctx.request().method().name() + " is not allowed");
      case 413 -> send(response, 413, "The request body is larger than " + maxBodyBytes + " bytes");
      default -> Failures.send(response, ctx.failure() == null ? new IllegalStateException("status " + ctx.statusCode()) : ctx.failure());
    }
  }

  /** A failure raised by Netty's HTTP decoder while it read the request (a broken chunk size, for one). */
  private static boolean isMalformedRequest(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      StackTraceElement[] trace = cause.getStackTrace();
      if (trace.length > 0 && trace[0].getClassName().startsWith("io.netty.handler.codec.http.")) {
        return true;
      }
    }
    return false;
  }

  public static Future<Void> send(HttpServerResponse response, int status, String message) {
    return send(response, status, body(status, message));
  }

  public static Future<Void> send(HttpServerResponse response, int status, Buffer body) {
    if (response.headWritten()) {
      // Too late for a clean error: the status line is gone. Cut the exchange instead of corrupting it.
      response.reset();
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .putHeader(NOSNIFF, "nosniff")
      .end(body);
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
