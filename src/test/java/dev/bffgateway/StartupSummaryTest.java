package dev.bffgateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bffgateway.auth.AuthFlowTestSupport;
import dev.bffgateway.support.TestGateway;
import dev.bffgateway.token.JwsAlgorithm;
import dev.bffgateway.token.TokenKeys;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up summary: what a started gateway runs with, as data and as the lines an operator reads. */
@ExtendWith(VertxExtension.class)
class StartupSummaryTest {
  @Test
  void summarizesWhatTheGatewayRunsWith(Vertx vertx, @TempDir Path dir) throws Exception {
    AuthFlowTestSupport.writeUsers(dir);
    JsonObject json = TestGateway.config(dir, new JsonArray().add(TestGateway.route("api", "/api", "http://127.0.0.1:9")))
      .put("credentials", new JsonObject().put("usersFile", dir.resolve("users.json").toString()).put("hashIterations", 1000));
    Gateway gateway = TestGateway.start(vertx, json).await();
    StartupSummary first = gateway.summary(dir.resolve("gateway.json"), "nio");
    gateway.stop().await();
    String kid = TokenKeys.load(TestGateway.parse(json).tokens(), dir).signing().kid();

    assertEquals(new StartupSummary("dev", dir.resolve("gateway.json"), dir, "sqlite " + dir.resolve("bff-gateway.db"),
      "users file " + dir.resolve("users.json") + " (3 users)", List.of(), kid, JwsAlgorithm.ES256, true, 1,
      "http://127.0.0.1:" + gateway.port(), 1, "nio", StartupSummary.MetricsAccess.LOOPBACK), first);
    assertEquals("""
      bff-gateway listening on http://127.0.0.1:%d (1 event loop, 1 route, transport: nio)
        version:        dev
        config file:    %s
        data directory: %s
        store:          sqlite %s
        credentials:    users file %s (3 users)
        signing key:    ES256, kid "%s", generated at this start
        metrics:        on at /metrics, for this machine only (no metrics.token)""".formatted(gateway.port(), dir.resolve("gateway.json"),
      dir, dir.resolve("bff-gateway.db"), dir.resolve("users.json"), kid), first.text());

    json.put("routes", new JsonArray().add(TestGateway.route("a", "/a", "http://127.0.0.1:9")).add(TestGateway.route("b", "/b", "http://127.0.0.1:9")))
      .put("metrics", new JsonObject().put("enabled", false)).put("store", new JsonObject().put("type", "memory"));
    Gateway again = TestGateway.start(vertx, json).await();
    StartupSummary second = again.summary(null, "epoll");
    again.stop().await();
    assertFalse(second.keyGenerated(), "the key generated at the first start is reused");
    assertEquals(kid, second.keyId());
    assertTrue(second.text().startsWith("bff-gateway listening on http://127.0.0.1:" + again.port() + " (1 event loop, 2 routes, transport: epoll)\n"),
      second.text());
    assertTrue(second.text().contains("\n  config file:    (not read from a file)\n"), second.text());
    assertTrue(second.text().contains("\n  store:          memory\n"), second.text());
    assertTrue(second.text().contains("\n  signing key:    ES256, kid \"" + kid + "\"\n"), second.text());
    assertTrue(second.text().endsWith("\n  metrics:        off"), second.text());
  }

  @Test
  void showsNoSecret(Vertx vertx, @TempDir Path dir) {
    List<String> secrets = List.of("redis-user", "redis-pw-1", "redis-query-2", "login-user", "login-pw-3", "api-key-4",
      "oidc-secret-5", "hs256-secret-0123456789abcdef-0123456789", "metrics-token-6");
    JsonObject json = TestGateway.config(dir, new JsonArray())
      .put("store", new JsonObject().put("type", "redis")
        .put("redis", new JsonObject().put("url", "redis://redis-user:redis-pw-1@127.0.0.1:1/2?password=redis-query-2")))
      .put("credentials", new JsonObject().put("type", "http")
        .put("http", new JsonObject().put("url", "https://login-user:login-pw-3@login.example.com:8443/auth?key=api-key-4#x"))
        .put("oidc", new JsonArray().add(new JsonObject().put("name", "corp").put("issuer", "https://idp.example.com")
          .put("clientId", "bff").put("clientSecret", "oidc-secret-5"))))
      .put("tokens", new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("id", "shared")
        .put("secret", "hs256-secret-0123456789abcdef-0123456789"))))
      .put("metrics", new JsonObject().put("token", "metrics-token-6"));
    Gateway gateway = TestGateway.start(vertx, json).await();
    StartupSummary summary = gateway.summary(dir.resolve("gateway.json"), "nio");
    gateway.stop().await();

    assertEquals("redis redis://127.0.0.1:1/2", summary.store());
    assertEquals("login API https://login.example.com:8443/auth", summary.credentials());
    assertEquals(List.of("corp"), summary.oidcProviders());
    assertEquals("shared", summary.keyId());
    assertEquals(JwsAlgorithm.HS256, summary.keyAlgorithm());
    assertFalse(summary.keyGenerated());
    assertEquals(StartupSummary.MetricsAccess.TOKEN, summary.metrics());
    assertTrue(summary.text().contains("\n  credentials:    login API https://login.example.com:8443/auth; OpenID providers: corp\n"), summary.text());
    for (String secret : secrets) {
      assertFalse(summary.text().contains(secret), secret + " in\n" + summary.text());
    }
  }

  @Test
  void isLoggedAsOneInfoEvent(Vertx vertx, @TempDir Path dir) {
    Gateway gateway = TestGateway.start(vertx, TestGateway.config(dir, new JsonArray()).put("store", new JsonObject().put("type", "memory"))).await();
    StartupSummary summary = gateway.summary(dir.resolve("gateway.json"), "nio");
    gateway.stop().await();
    Logger logger = (Logger) LoggerFactory.getLogger("bff.startup");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try {
      summary.log();
    } finally {
      logger.detachAppender(captured);
    }
    assertEquals(1, captured.list.size());
    assertEquals(Level.INFO, captured.list.get(0).getLevel());
    assertEquals(summary.text(), captured.list.get(0).getFormattedMessage());
  }

  @Test
  void theShippedLoggingShowsTheSummaryWhateverTheLogLevel() throws Exception {
    LoggerContext context = new LoggerContext();
    context.putProperty("BFF_LOG_LEVEL", "WARN");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(StartupSummary.class.getResource("/logback.xml"));
      assertFalse(context.getLogger(Gateway.class).isInfoEnabled(), "BFF_LOG_LEVEL applies");
      assertTrue(context.getLogger("bff.startup").isInfoEnabled(), "scripts wait for the listening line");
    } finally {
      context.stop();
    }
  }
}
