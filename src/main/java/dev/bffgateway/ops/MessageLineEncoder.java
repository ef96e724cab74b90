package dev.bffgateway.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The access log's encoder: each event's message and a line separator in UTF-8, what the pattern {@code %msg%n}
 * writes, without the pattern layout's builder and string copies of every line (a tenth of the bytes the proxy
 * path allocated per request).
 */
public final class MessageLineEncoder extends EncoderBase<ILoggingEvent> {
  private static final byte[] LINE_SEPARATOR = System.lineSeparator().getBytes(StandardCharsets.UTF_8);

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    byte[] message = event.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
    byte[] line = Arrays.copyOf(message, message.length + LINE_SEPARATOR.length);
    System.arraycopy(LINE_SEPARATOR, 0, line, message.length, LINE_SEPARATOR.length);
    return line;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
