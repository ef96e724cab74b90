package dev.bffgateway.edge;

import dev.bffgateway.config.ReservedPaths;
import dev.bffgateway.config.WebConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The JS client at {@code /bff-client.js}, always, and the static files of {@code web.root} at {@code /}: the
 * demo page packed into the jar, or a directory. Mounted last, so a file never hides a gateway endpoint; a
 * missing file falls through to the JSON 404.
 */
public final class StaticFiles {
  /** Where the build packs {@code web/} and {@code clients/js/bff-client.js} on the classpath. */
  private static final String PACKED = "bff-gateway-web";

  private StaticFiles() {
  }

  public static void mount(Router router, WebConfig web) {
    StaticHandler packed = configured(StaticHandler.create(FileSystemAccess.RELATIVE, PACKED));
    // Mounted at /* (not at its own path, which StaticHandler would take for a directory), serving one file.
    router.route(ReservedPaths.CLIENT_SCRIPT).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(StaticFiles::revalidate);
    router.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
      .handler(ctx -> {
        if (ctx.normalizedPath().equals(ReservedPaths.CLIENT_SCRIPT)) {
          packed.handle(ctx);
        } else {
          ctx.next();
        }
      });
    if (web.enabled()) {
      StaticHandler files = web.demo() ? packed : configured(StaticHandler.create(FileSystemAccess.ROOT, web.directory().toString()));
      router.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(StaticFiles::revalidate).handler(files);
    }
  }

  private static StaticHandler configured(StaticHandler handler) {
    return handler.setCachingEnabled(false).setDirectoryListing(false).setIncludeHidden(false).setIndexPage("index.html");
  }

  /**
   * These URLs carry no version, so browsers must check for a new copy each time: after an upgrade, a page and
   * the client it loads never come from two releases.
   */
  private static void revalidate(RoutingContext ctx) {
    ctx.response().putHeader("cache-control", "no-cache");
    ctx.next();
  }
}
