package dev.bffgateway.config;

import java.nio.file.Path;

/**
 * Static files the gateway serves at {@code /} beside its routes: the embedded demo page, a directory, or none.
 *
 * @param directory the directory to serve, or null
 * @param demo      whether to serve the demo page packed into the gateway
 */
public record WebConfig(Path directory, boolean demo) {
  public static final String DEMO = "demo";

  public boolean enabled() {
    return demo || directory != null;
  }
}
