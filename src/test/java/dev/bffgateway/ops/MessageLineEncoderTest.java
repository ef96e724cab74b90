package dev.bffgateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MessageLineEncoderTest {
  @Test
  void writesTheMessageAndALineSeparatorInUtf8() {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("bff.access"), Level.INFO, "{\"path\":\"/caf\u00e9\"}", null, null);
    byte[] line = new MessageLineEncoder().encode(event);
    assertEquals("{\"path\":\"/caf\u00e9\"}" + System.lineSeparator(), new String(line, StandardCharsets.UTF_8));
  }
}
