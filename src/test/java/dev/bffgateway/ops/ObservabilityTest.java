package dev.bffgateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import dev.bffgateway.Gateway;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.CookieJar;
import dev.bffgateway.support.Http;
import dev.bffgateway.support.MutableClock;
import dev.bffgateway.support.RecordingUpstream;
import dev.bffgateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prometheus metrics, the JSON access log, and logs that never carry a secret, even at TRACE. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ObservabilityTest {
  private static final Pattern HELP = Pattern.compile("^# HELP (bff_[a-z_]+)(.*)$", Pattern.MULTILINE);
  private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)\\{([^}]*)} ([0-9.eE+-]+)$", Pattern.MULTILINE);
  private final MutableClock clock = MutableClock.atNow();

  private Gateway start(Vertx vertx, Path dir, JsonObject metrics) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    RecordingUpstream upstream = RecordingUpstream.start(vertx).await();
    JsonObject config = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", upstream.url()).put("auth", "required")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000))
      .put("cookies", new JsonObject().put("secure", "auto"))
      .put("metrics", metrics);
    return TestGateway.start(vertx, config, clock).await();
  }

  private static Http.Response signIn(Http http, String password) {
    return http.send(HttpMethod.POST, "/auth/credentials", MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"),
      new JsonObject().put("userName", "alice").put("password", password).toBuffer()).await();
  }

  /** Every sample of the scrape, keyed by name{labels}. */
  private static Map<String, Double> samples(String scrape) {
    Map<String, Double> samples = new HashMap<>();
    Matcher matcher = SAMPLE.matcher(scrape);
    while (matcher.find()) {
      samples.put(matcher.group(1) + "{" + matcher.group(2) + "}", Double.parseDouble(matcher.group(3)));
    }
    return samples;
  }

  @Test
  void countsSignInsRefreshesRejectionsRequestsAndStoreLatency(Vertx vertx, @TempDir Path dir) throws Exception {
    Gateway gateway = start(vertx, dir, new JsonObject());
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    assertEquals(401, signIn(http, "wrong").status());
    Http.Response signedIn = signIn(http, "wonderland");
    CookieJar jar = new CookieJar();
    jar.update(signedIn);
    assertEquals(200, http.get("/api/a", jar.headers()).status());
    assertEquals(200, http.get("/api/b", jar.headers()).status());
    assertEquals(401, http.get("/api/c", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer not.a.token")).status());
    clock.advance(Duration.ofSeconds(900 + 31));
    assertEquals(200, http.get("/api/d", jar.headers()).status());

    Http.Response scrape = http.get("/metrics");
    assertEquals(200, scrape.status());
    assertTrue(scrape.header("content-type").startsWith("text/plain"));
    Map<String, Double> samples = samples(scrape.body().toString());
    assertEquals(1.0, samples.get("bff_signins_total{outcome=\"success\"}"), scrape.body().toString());
    assertEquals(1.0, samples.get("bff_signins_total{outcome=\"bad_credentials\"}"));
    assertEquals(1.0, samples.get("bff_refreshes_total{outcome=\"rotated\"}"));
    assertEquals(1.0, samples.get("bff_token_rejections_total{reason=\"malformed\"}"));
    assertEquals(1.0, samples.get("bff_token_rejections_total{reason=\"expired\"}"));
    assertEquals(3.0, samples.get("bff_proxied_requests_total{route=\"api\",status=\"2xx\"}"));
    assertEquals(1.0, samples.get("bff_proxied_requests_total{route=\"api\",status=\"4xx\"}"));
    assertEquals(3.0, samples.get("bff_upstream_duration_seconds_count{route=\"api\"}"));
    assertTrue(samples.get("bff_verified_token_cache_total{result=\"hit\"}") >= 1.0);
    assertEquals(1.0, samples.get("bff_store_operation_seconds_count{operation=\"rotate\"}"));
    assertEquals(1.0, samples.get("bff_store_operation_seconds_count{operation=\"issue\"}"));
    Matcher help = HELP.matcher(scrape.body().toString());
    List<String> described = new ArrayList<>();
    while (help.find()) {
      assertFalse(help.group(2).isBlank(), "no description for " + help.group(1));
      described.add(help.group(1));
    }
    assertTrue(described.containsAll(List.of("bff_signins_total", "bff_refreshes_total", "bff_token_rejections_total",
      "bff_proxied_requests_total", "bff_upstream_duration_seconds", "bff_verified_token_cache_total", "bff_store_operation_seconds")), described.toString());
  }

  @Test
  void aMetricsTokenIsRequiredWhenConfigured(Vertx vertx, @TempDir Path dir) throws Exception {
    Gateway gateway = start(vertx, dir, new JsonObject().put("token", "s3cret-scraper-token"));
    Http http = new Http(vertx.createHttpClient(), gateway.port());
    assertEquals(401, http.get("/metrics").status());
    assertEquals(401, http.get("/metrics", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer wrong")).status());
    assertEquals(200, http.get("/metrics", MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer s3cret-scraper-token")).status());
  }

  @Test
  void noMetricsWhenDisabled(Vertx vertx, @TempDir Path dir) throws Exception {
    Gateway gateway = start(vertx, dir, new JsonObject().put("enabled", false));
    assertEquals(404, new Http(vertx.createHttpClient(), gateway.port()).get("/metrics").status());
  }

  @Test
  void accessLogIsOneJsonLinePerRequestAndNoLogLineEverHoldsASecret(Vertx vertx, @TempDir Path dir) throws Exception {
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
    Map<Logger, Level> levels = new HashMap<>();
    for (Logger logger : logging.getLoggerList()) {
      levels.put(logger, logger.getLevel());
      logger.setLevel(logger == root ? Level.TRACE : null);
    }
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      detached.add(it.next());
    }
    detached.forEach(appender -> root.detachAppender(appender));
    root.addAppender(captured);
    List<String> secrets = new ArrayList<>(List.of("wonderland"));
    try {
      Gateway gateway = start(vertx, dir, new JsonObject());
      Http http = new Http(vertx.createHttpClient(), gateway.port());
      Http.Response signedIn = signIn(http, "wonderland");
      assertEquals(200, signedIn.status());
      CookieJar jar = new CookieJar();
      jar.update(signedIn);
      secrets.add(jar.get("ss-tok"));
      secrets.add(jar.get("ss-reftok"));
      assertEquals(200, http.get("/api/orders?access_token=" + jar.get("ss-tok"), jar.headers()).status());
      clock.advance(Duration.ofSeconds(900 + 31));
      Http.Response refreshed = http.send(HttpMethod.POST, "/access-token", jar.headers(), null).await();
      assertEquals(200, refreshed.status());
      jar.update(refreshed);
      secrets.add(jar.get("ss-tok"));
      secrets.add(jar.get("ss-reftok"));
      assertEquals(200, http.send(HttpMethod.POST, "/auth/logout", jar.headers(), null).await().status());
      gateway.stop().await();
    } finally {
      root.detachAppender(captured);
      detached.forEach(root::addAppender);
      levels.forEach(Logger::setLevel);
    }

    List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    for (String secret : secrets) {
      assertNotNull(secret);
      for (String line : lines) {
        assertFalse(line.contains(secret), "a log line holds a secret: " + line);
      }
    }
    List<JsonObject> access = captured.list.stream().filter(event -> event.getLoggerName().equals("bff.access"))
      .map(event -> new JsonObject(event.getFormattedMessage())).toList();
    assertEquals(4, access.size(), access.toString());
    JsonObject proxied = access.get(1);
    assertEquals("GET", proxied.getString("method"));
    assertEquals("/api/orders", proxied.getString("path"), "never the query string");
    assertEquals("api", proxied.getString("route"));
    assertEquals(200, proxied.getInteger("status"));
    assertEquals("1", proxied.getString("sub"));
    assertEquals("127.0.0.1", proxied.getString("client"));
    assertEquals(0, proxied.getLong("bytes"), "the upstream echoed an empty body");
    assertTrue(access.get(0).getLong("bytes") > 0, "the sign-in's JSON");
    assertTrue(proxied.getDouble("durationMs") >= 0);
    assertNotNull(proxied.getString("requestId"));
    assertNotNull(proxied.getString("time"));
    assertEquals("gateway", access.get(0).getString("route"));
    assertEquals("/auth/credentials", access.get(0).getString("path"));
    assertEquals("/access-token", access.get(2).getString("path"));
  }
}
