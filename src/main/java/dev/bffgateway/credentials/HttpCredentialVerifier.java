package dev.bffgateway.credentials;

import dev.bffgateway.config.CredentialsConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Fronts an existing API's login (ServiceStack's "custom credentials provider"): POSTs {@code {userName,
 * password}} to it. 2xx with a JSON user signs in; 401 or 403 is a wrong password; anything else, or no
 * answer in time, is a failure of the verifier, never a sign-in.
 */
public final class HttpCredentialVerifier implements CredentialVerifier {
  private final HttpClient client;
  private final CredentialsConfig.Http config;

  public HttpCredentialVerifier(HttpClient client, CredentialsConfig.Http config) {
    this.client = client;
    this.config = config;
  }

  @Override
  public Future<Optional<UserAccount>> verify(String userName, String password) {
    Buffer body = new JsonObject().put("userName", userName).put("password", password).toBuffer();
    return call(HttpMethod.POST, config.url(), body).map(answer -> {
      UserAccount account = answer.status / 100 == 2 ? account(answer.json) : null;
      return account == null || account.disabled() ? Optional.<UserAccount>empty() : Optional.of(account);
    });
  }

  /** Without a user URL, the user stays as it was at sign-in until the family ends. */
  @Override
  public Future<Optional<UserAccount>> lookup(UserAccount signedIn) {
    if (config.userUrl() == null) {
      return Future.succeededFuture(Optional.of(signedIn));
    }
    String url = config.userUrl()
      .replace("{userId}", pathSegment(signedIn.id()))
      .replace("{userName}", pathSegment(signedIn.userName()));
    return call(HttpMethod.GET, url, null).map(answer -> {
      UserAccount account = answer.status / 100 == 2 ? account(answer.json) : null;
      return account == null || account.disabled() ? Optional.<UserAccount>empty() : Optional.of(account);
    });
  }

  /** Percent-encoded for a path: URLEncoder writes form encoding, where a space is '+'. */
  private static String pathSegment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private record Answer(int status, JsonObject json) {
  }

  /** 2xx with a JSON object, 401/403/404 (no user); anything else fails as unavailable. */
  private Future<Answer> call(HttpMethod method, String url, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url).setTimeout(config.timeoutMs())
      .putHeader("accept", "application/json");
    if (body != null) {
      options.putHeader("content-type", "application/json");
    }
    return client.request(options)
      .compose(request -> body == null ? request.send() : request.send(body))
      .compose(response -> response.body().map(received -> answer(response, received)))
      .recover(failure -> Future.failedFuture(failure instanceof VerifierUnavailableException unavailable ? unavailable
        : new VerifierUnavailableException("the credentials API failed: " + failure.getMessage(), failure instanceof TimeoutException)));
  }

  private static Answer answer(HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    if (status == 401 || status == 403 || status == 404) {
      return new Answer(status, null);
    }
    if (status / 100 != 2) {
      throw new VerifierUnavailableException("the credentials API answered " + status, false);
    }
    try {
      return new Answer(status, body.toJsonObject());
    } catch (DecodeException | ClassCastException e) {
      throw new VerifierUnavailableException("the credentials API answered " + status + " without a JSON object", false);
    }
  }

  private UserAccount account(JsonObject user) {
    Map<String, String> fields = config.fields();
    String id = text(user, fields.get("id"));
    String userName = text(user, fields.get("userName"));
    if (id == null && userName == null) {
      throw new VerifierUnavailableException("the credentials API's user has neither an id nor a user name", false);
    }
    String displayName = text(user, fields.get("displayName"));
    return new UserAccount(id != null ? id : userName, userName != null ? userName : id,
      displayName != null ? displayName : userName, text(user, fields.get("email")),
      DottedPath.strings(user, fields.get("roles")), DottedPath.strings(user, fields.get("permissions")),
      Boolean.TRUE.equals(DottedPath.at(user, fields.get("disabled"))));
  }

  private static String text(JsonObject json, String path) {
    Object value = DottedPath.at(json, path);
    return value == null ? null : value.toString();
  }
}
