package dev.bffgateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own meters, beside Vert.x's in one Prometheus registry. Meters on the request path are created
 * once and then only incremented: no tag lists, no lookups per request.
 */
public final class Metrics {
  private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
    Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10)};
  private static final String CACHE_HELP = "Lookups in the cache of verified access tokens, by result";

  /**
   * Per route and event loop: proxied requests by status class, and the upstream's time to its response head.
   * Registered on a route's first request, not at start: 10,000 configured routes cost no meters until used.
   */
  public static final class RouteMeters {
    private final PrometheusMeterRegistry registry;
    private final String routeId;
    private Counter[] byStatusClass;
    private Timer upstream;
    private Counter resent;

    private RouteMeters(PrometheusMeterRegistry registry, String routeId) {
      this.registry = registry;
      this.routeId = routeId;
    }

    public void completed(int status) {
      if (byStatusClass == null) {
        byStatusClass = new Counter[5];
        for (int i = 0; i < 5; i++) {
          byStatusClass[i] = counter(registry, "bff.proxied.requests",
            "Responses on proxied routes, by route and the class of the status the client got", "route", routeId, "status", (i + 1) + "xx");
        }
      }
      byStatusClass[Math.max(1, Math.min(5, status / 100)) - 1].increment();
    }

    public void upstreamAnswered(long nanos) {
      if (upstream == null) {
        upstream = Timer.builder("bff.upstream.duration").tag("route", routeId)
          .description("Time from sending a request upstream to the upstream's response head")
          .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
      }
      upstream.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request lost on a reused upstream connection the upstream dropped, sent again on another. */
    public void upstreamResent() {
      if (resent == null) {
        resent = counter(registry, "bff.upstream.resent",
          "Requests sent again on another connection because the upstream dropped the reused one they went out on", "route", routeId);
      }
      resent.increment();
    }
  }

  private final PrometheusMeterRegistry registry;
  private final Counter cacheHits;
  private final Counter cacheMisses;
  /** By the token package's rejection reasons, registered up front so every reason reads 0 before it happens. */
  private final Map<Enum<?>, Counter> rejections = new ConcurrentHashMap<>();

  public Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.cacheHits = counter(registry, "bff.verified.token.cache", CACHE_HELP, "result", "hit");
    this.cacheMisses = counter(registry, "bff.verified.token.cache", CACHE_HELP, "result", "miss");
  }

  /** Registers a counter per reason a token can be refused for (the token package's own enum). */
  public void tokenRejectionReasons(Enum<?>[] reasons) {
    for (Enum<?> reason : reasons) {
      rejections.computeIfAbsent(reason, this::rejectionCounter);
    }
  }

  /** A registry of its own, for a gateway started without one (tests, embedding). */
  public static Metrics standalone() {
    return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** @param outcome success, bad_credentials, throttled, invalid or unavailable */
  public void signIn(String outcome) {
    counter(registry, "bff.signins", "Sign-ins, by outcome", "outcome", outcome).increment();
  }

  /** @param outcome the store's rotation outcome (rotated, kept, grace, reused, expired, revoked, unknown) or unavailable */
  public void refresh(String outcome) {
    counter(registry, "bff.refreshes", "Refresh-token rotations, by outcome", "outcome", outcome.toLowerCase(Locale.ROOT)).increment();
  }

  public void tokenRejected(Enum<?> reason) {
    rejections.computeIfAbsent(reason, this::rejectionCounter).increment();
  }

  private Counter rejectionCounter(Enum<?> reason) {
    return counter(registry, "bff.token.rejections", "Access tokens that failed verification, by reason",
      "reason", reason.name().toLowerCase(Locale.ROOT));
  }

  public void cacheHit() {
    cacheHits.increment();
  }

  public void cacheMiss() {
    cacheMisses.increment();
  }

  public RouteMeters route(String routeId) {
    return new RouteMeters(registry, routeId);
  }

  public Timer storeOperation(String operation) {
    return Timer.builder("bff.store.operation").tag("operation", operation)
      .description("Latency of refresh-token store operations, successful or not, by operation")
      .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
  }

  /** Every meter has a description: Prometheus shows it as the HELP line, which is empty without one. */
  private static Counter counter(PrometheusMeterRegistry registry, String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }
}
