package dev.bffgateway;

import dev.bffgateway.config.GatewayConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload applies: the new file's routes, CORS, CSRF, cookies, tokens and keys, users file and sign-in
 * limits, admin and static files. What only a restart can change keeps its running value and is named.
 */
record ReloadPlan(GatewayConfig applied, List<String> restartNeeded) {
  static ReloadPlan between(GatewayConfig running, GatewayConfig next) {
    List<String> restartNeeded = new ArrayList<>();
    check(restartNeeded, "dataDir", running.dataDir(), next.dataDir());
    check(restartNeeded, "server", running.server(), next.server());
    check(restartNeeded, "proxy", running.proxy(), next.proxy());
    check(restartNeeded, "store", running.store(), next.store());
    check(restartNeeded, "refreshTokens", running.refreshTokens(), next.refreshTokens());
    check(restartNeeded, "sessions", running.sessions(), next.sessions());
    // /metrics follows at once, but Vert.x's own meters are only recorded by a Vert.x started with metrics on.
    check(restartNeeded, "metrics.enabled (Vert.x's own meters)", running.metrics().enabled(), next.metrics().enabled());
    if (running.credentials().type() != next.credentials().type()
      || running.credentials().http() != null && !running.credentials().http().equals(next.credentials().http())) {
      restartNeeded.add("credentials");
    }
    // The password checks' pool and queue are the process's, made at start.
    check(restartNeeded, "credentials.maxConcurrentChecks, credentials.maxQueuedChecks", running.credentials().checks(),
      next.credentials().checks());
    GatewayConfig applied = new GatewayConfig(running.dataDir(), running.server(), running.proxy(), next.tokens(),
      running.refreshTokens(), running.store(), next.cookies(), restartNeeded.contains("credentials") ? running.credentials()
      : next.credentials().withChecks(running.credentials().checks()), next.csrf(), next.cors(), next.admin(), running.sessions(),
      next.web(), next.metrics(), next.routes());
    return new ReloadPlan(applied, List.copyOf(restartNeeded));
  }

  private static void check(List<String> restartNeeded, String section, Object running, Object next) {
    if (!Objects.equals(running, next)) {
      restartNeeded.add(section);
    }
  }
}
