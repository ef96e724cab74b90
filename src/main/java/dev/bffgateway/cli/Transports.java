package dev.bffgateway.cli;

import dev.bffgateway.config.ServerConfig;
import io.vertx.core.transport.Transport;

import java.util.stream.Stream;

/**
 * The network transport of the gateway's Vert.x. With {@code auto}, io_uring where the kernel allows it: on
 * loopback it takes about a third less CPU per proxied request than epoll (docs/performance.md). Many container
 * runtimes forbid io_uring (Docker's default seccomp profile does), so auto falls back to epoll, then to NIO.
 */
final class Transports {
  private Transports() {
  }

  /** @throws IllegalStateException when a transport named in the configuration cannot be used here */
  static Transport of(ServerConfig.Transport configured) {
    Transport chosen = switch (configured) {
      case AUTO -> Stream.of(Transport.IO_URING, Transport.EPOLL).filter(t -> t != null && t.available()).findFirst().orElse(Transport.NIO);
      case IO_URING -> Transport.IO_URING;
      case EPOLL -> Transport.EPOLL;
      case NIO -> Transport.NIO;
    };
    if (chosen == null || !chosen.available()) {
      Throwable cause = chosen == null ? null : chosen.unavailabilityCause();
      throw new IllegalStateException("server.transport " + configured.name().toLowerCase(java.util.Locale.ROOT)
        + " cannot be used here" + (cause == null ? "" : ": " + cause.getMessage()) + " (\"auto\" picks one that can)");
    }
    return chosen;
  }
}
