package dev.bffgateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Keeps vertx-web's router from logging request URIs: at TRACE it logs every request's absolute URI, query string
 * included, where a client may carry an access token ({@code ?access_token=}). No log line may hold a secret at any
 * level an operator can set, so its lines below INFO are denied, whatever the logger levels say.
 */
public final class RouterTraceFilter extends TurboFilter {
  private static final String ROUTER = "io.vertx.ext.web.impl.RouterImpl";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    return level != null && !level.isGreaterOrEqual(Level.INFO) && ROUTER.equals(logger.getName()) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
