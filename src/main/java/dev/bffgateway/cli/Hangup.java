package dev.bffgateway.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP, the conventional "reload your configuration" signal, through the JDK's (unsupported but stable) signal API. */
final class Hangup {
  private static final Logger LOG = LoggerFactory.getLogger(Hangup.class);

  private Hangup() {
  }

  static void onSignal(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LOG.info("SIGHUP is not available here ({}); the configuration file is still watched", e.getMessage());
    }
  }
}
