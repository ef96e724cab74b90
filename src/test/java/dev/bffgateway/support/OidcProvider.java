package dev.bffgateway.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OpenID Provider for tests: panva's {@code oidc-provider} run by {@code src/test/oidc/provider.mjs} (read
 * its header for everything it offers) on a free loopback port, plus a browser-like {@link #signIn} that drives
 * its login and consent pages over HTTP. scripts/test installs its npm packages; without them, tests that start it
 * are skipped ({@link #installed}).
 *
 * <p>What the OP holds:
 * <ul>
 *   <li>One confidential client, {@link #CLIENT_ID} / {@link #CLIENT_SECRET}, authenticating at the token endpoint
 *   with {@code client_secret_basic} (config {@code tokenEndpointAuthMethod} changes that); grant types
 *   authorization_code and refresh_token; PKCE S256 required; RS256 ID tokens.</li>
 *   <li>Users {@code alice} (sub {@code alice-sub}, name "Alice Liddell", preferred_username alice, email
 *   alice@example.com, roles ["Admin"]) and {@code bob} (sub {@code bob-sub}, roles []).</li>
 *   <li>ID tokens carry the granted scopes' claims: openid gives {@code sub}, {@code roles} (a top-level array)
 *   and {@code realm_access: {roles: [...]}} (Keycloak's shape), plus {@code sid}; profile gives {@code name},
 *   {@code preferred_username}; email gives {@code email}, {@code email_verified}.</li>
 *   <li>Access tokens: RS256 JWTs (JWKS at {@code issuer/jwks}), audience {@code urn:bff-gateway:upstream}, 60 s
 *   unless config {@code accessTokenTtl}; a refresh token with every code exchange, single-use (rotated) unless
 *   config {@code rotateRefreshTokens: false}.</li>
 * </ul>
 */
public final class OidcProvider implements AutoCloseable {
  public static final String CLIENT_ID = "bff-gateway";
  public static final String CLIENT_SECRET = "bff-secret";

  public static final String NOT_INSTALLED = "src/test/oidc/node_modules is missing: run npm ci --prefix src/test/oidc (scripts/test does)";

  private static final Path SCRIPT_DIR = Path.of("src/test/oidc");
  private static final String READY = "oidc-provider listening on ";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final String issuer;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
    .connectTimeout(Duration.ofSeconds(5)).build();

  private OidcProvider(Process process, String issuer, Path log) {
    this.process = process;
    this.issuer = issuer;
    this.log = log;
  }

  /** Whether its npm packages are installed; tests that need it are skipped when not. */
  public static boolean installed() {
    return Files.isDirectory(SCRIPT_DIR.resolve("node_modules/oidc-provider"));
  }

  /** {@link #start(Path, List, JsonObject)} with no further config. */
  public static OidcProvider start(Path dir, List<String> redirectUris) throws IOException {
    return start(dir, redirectUris, new JsonObject());
  }

  /**
   * Starts the OP on a free loopback port and waits until it listens (20 s at most).
   *
   * @param dir          where its output goes ({@code oidc-provider.log})
   * @param redirectUris the client's redirect_uris, e.g. the gateway's {@code http://127.0.0.1:PORT/auth/test/callback}
   * @param config       further fields of provider.mjs's config, e.g. {@code backchannelLogoutUri},
   *                     {@code postLogoutRedirectUris}, {@code accessTokenTtl} (seconds), {@code rotateRefreshTokens}
   */
  public static OidcProvider start(Path dir, List<String> redirectUris, JsonObject config) throws IOException {
    Assumptions.assumeTrue(installed(), NOT_INSTALLED);
    JsonObject effective = config.copy().put("redirectUris", new JsonArray(new ArrayList<>(redirectUris)));
    Path log = dir.resolve("oidc-provider.log");
    Process process = new ProcessBuilder("node", SCRIPT_DIR.resolve("provider.mjs").toString(), effective.encode())
      .redirectErrorStream(true)
      .start();
    process.getOutputStream().close();
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread drain = new Thread(() -> drain(process, log, ready), "oidc-provider-output");
    drain.setDaemon(true);
    drain.start();
    try {
      String issuer = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return new OidcProvider(process, issuer, log);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("oidc-provider did not start within " + START_TIMEOUT.toSeconds() + " s ("
        + (e instanceof ExecutionException ? e.getCause().getMessage() : e) + "); see " + log, e);
    }
  }

  /** Copies every line of the process's output to the log, and hands the issuer of the ready line to {@code ready}. */
  private static void drain(Process process, Path log, CompletableFuture<String> ready) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        if (!ready.isDone() && line.startsWith(READY)) {
          ready.complete(line.substring(READY.length()).trim());
        }
      }
      ready.completeExceptionally(new IOException("exited before listening"));
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
  }

  /** The issuer, {@code http://127.0.0.1:PORT} (no trailing slash); discovery is at issuer + /.well-known/openid-configuration. */
  public String issuer() {
    return issuer;
  }

  /** Where the OP's output goes. */
  public Path log() {
    return log;
  }

  /**
   * The OP's counters: {@code {"token":{"authorization_code":n,"refresh_token":n}, "tokenErrors":{grant type: n},
   * "revocation":n, "backchannelLogout":{"success":n,"error":n}}}. Only successful token calls count under "token".
   */
  public JsonObject stats() {
    return new JsonObject(send(HttpRequest.newBuilder(URI.create(issuer + "/test/stats")).GET()).body());
  }

  /** Successful token-endpoint calls of that grant type (authorization_code, refresh_token) so far. */
  public int tokenCalls(String grantType) {
    return stats().getJsonObject("token").getInteger(grantType, 0);
  }

  /** The status of a GET of an OP page by a browser without the OP's cookies (e.g. the end-session page). */
  public int status(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET()).statusCode();
  }

  /** Revokes a token at the OP's revocation endpoint (RFC 7009) as the test client; the HTTP status. */
  public int revoke(String token) {
    String basic = java.util.Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(URI.create(issuer + "/token/revocation"))
      .header("authorization", "Basic " + basic).header("content-type", "application/x-www-form-urlencoded")
      .POST(HttpRequest.BodyPublishers.ofString("token=" + encode(token)))).statusCode();
  }

  /** Zeroes the counters. */
  public void resetStats() {
    send(HttpRequest.newBuilder(URI.create(issuer + "/test/stats/reset")).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /**
   * Makes the OP send a back-channel logout_token for {@code sub} (with the sid of that user's last code exchange,
   * or {@code sid} when not null) to the client's backchannel_logout_uri (config {@code backchannelLogoutUri}), and
   * waits for it. Returns the HTTP status of the OP's answer: 200 when the client answered 200 or 204, else 502.
   */
  public int backchannelLogout(String sub, String sid) {
    String query = "sub=" + encode(sub) + (sid == null ? "" : "&sid=" + encode(sid));
    return send(HttpRequest.newBuilder(URI.create(issuer + "/test/backchannel-logout?" + query))
      .POST(HttpRequest.BodyPublishers.noBody())).statusCode();
  }

  /**
   * Plays a browser that has never seen the OP (its own fresh cookies): opens {@code authorizationUrl}, follows
   * the OP's redirects, signs in as {@code userName} ("alice" or "bob") and then allows ({@code consent}) or
   * denies the consent form. Returns the first redirect Location that leaves the OP: the client's redirect URI
   * with {@code code}, {@code state} and {@code iss}, or with {@code error=access_denied} when consent was denied.
   * Fails when the OP shows an error page (e.g. invalid_request for a missing PKCE challenge, a redirect_uri that
   * is not registered) or an unknown user.
   */
  public String signIn(String authorizationUrl, String userName, boolean consent) {
    HttpClient browser = HttpClient.newBuilder()
      .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
    URI uri = URI.create(authorizationUrl);
    HttpRequest.Builder next = HttpRequest.newBuilder(uri).GET();
    for (int step = 0; step < 20; step++) {
      HttpResponse<String> response = send(browser, next.timeout(Duration.ofSeconds(10)));
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        URI location = uri.resolve(response.headers().firstValue("Location")
          .orElseThrow(() -> new AssertionError(status + " without Location from " + response.uri())));
        if (!location.toString().startsWith(issuer + "/")) {
          return location.toString();
        }
        uri = location;
        next = HttpRequest.newBuilder(uri).GET();
        continue;
      }
      String body = response.body();
      Map<String, Form> forms = forms(body);
      if (status != 200 || forms.isEmpty() || body.contains("id=\"error\"")) {
        throw new AssertionError("oidc-provider answered " + status + " at " + response.uri() + ": " + body);
      }
      Form form;
      if (forms.containsKey("login")) {
        form = forms.get("login");
        form.fields.put("login", userName);
        form.fields.put("password", "test");
      } else if (forms.containsKey("consent")) {
        form = consent ? forms.get("consent") : forms.get("abort");
      } else {
        throw new AssertionError("Neither a login nor a consent form at " + response.uri() + ": " + body);
      }
      uri = uri.resolve(form.action);
      next = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(urlEncoded(form.fields)));
    }
    throw new AssertionError("More than 20 steps at the OP from " + authorizationUrl);
  }

  private record Form(String action, Map<String, String> fields) {
  }

  private static final Pattern FORM = Pattern.compile("<form\\b([^>]*)>(.*?)</form>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
  private static final Pattern INPUT = Pattern.compile("<input\\b([^>]*)>", Pattern.CASE_INSENSITIVE);
  private static final Pattern ATTRIBUTE = Pattern.compile("([a-zA-Z_-]+)\\s*=\\s*\"([^\"]*)\"");

  /** The page's forms by id: action and hidden inputs. */
  private static Map<String, Form> forms(String html) {
    Map<String, Form> forms = new LinkedHashMap<>();
    Matcher form = FORM.matcher(html);
    while (form.find()) {
      Map<String, String> attributes = attributes(form.group(1));
      Map<String, String> fields = new LinkedHashMap<>();
      Matcher input = INPUT.matcher(form.group(2));
      while (input.find()) {
        Map<String, String> a = attributes(input.group(1));
        if ("hidden".equalsIgnoreCase(a.get("type")) && a.containsKey("name")) {
          fields.put(a.get("name"), a.getOrDefault("value", ""));
        }
      }
      forms.put(attributes.getOrDefault("id", "form" + forms.size()), new Form(attributes.getOrDefault("action", ""), fields));
    }
    return forms;
  }

  private static Map<String, String> attributes(String tag) {
    Map<String, String> attributes = new LinkedHashMap<>();
    Matcher m = ATTRIBUTE.matcher(tag);
    while (m.find()) {
      attributes.put(m.group(1).toLowerCase(), m.group(2).replace("&amp;", "&"));
    }
    return attributes;
  }

  private static String urlEncoded(Map<String, String> fields) {
    StringBuilder out = new StringBuilder();
    fields.forEach((name, value) -> out.append(out.length() == 0 ? "" : "&").append(encode(name)).append('=').append(encode(value)));
    return out.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return send(http, request.timeout(Duration.ofSeconds(10)));
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the OP (SIGTERM, then a kill after 5 s) and waits for it to end. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
