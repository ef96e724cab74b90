package dev.bffgateway.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** Sends one request exactly as given (the URI is not normalised on the way) and collects the answer. */
public final class Http {
  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  private final HttpClient client;
  private final int port;

  public Http(HttpClient client, int port) {
    this.client = client;
    this.port = port;
  }

  public Future<Response> send(HttpMethod method, String uri, MultiMap headers, Buffer body) {
    RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(method).setURI(uri);
    if (headers != null) {
      options.setHeaders(headers);
    }
    // Read the body in the same stage that sends the request, so it is attached on the request's context as
    // soon as the response head arrives. A stage chained here from the calling (non-Vert.x) thread can be
    // attached after the response has already completed: it then runs later on the event loop, and body()
    // waits forever for an end that was already delivered to nobody.
    return client.request(options)
      .compose(request -> (body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(received -> new Response(response.statusCode(), response.headers(), received))));
  }

  public int port() {
    return port;
  }

  public Response get(String uri) {
    return send(HttpMethod.GET, uri, null, null).await();
  }

  public Response get(String uri, MultiMap headers) {
    return send(HttpMethod.GET, uri, headers, null).await();
  }

  /** The body of a gateway error: ServiceStack's responseStatus. */
  public static JsonObject responseStatus(Response response) {
    return response.json().getJsonObject("responseStatus");
  }
}
