package dev.bffgateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.bffgateway.support.Poll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class BatchingConsoleAppenderTest {
  @Test
  void writesEveryLineWholeAndInOrderWithinAFlushIntervalSleepsWhenIdleAndWritesTheRestOnStop() throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(context);
      encoder.setPattern("%msg%n");
      encoder.start();
      BatchingConsoleAppender appender = new BatchingConsoleAppender();
      appender.setContext(context);
      appender.setName("test");
      appender.setEncoder(encoder);
      appender.setFlushMillis(20);
      appender.start();
      Logger log = context.getLogger("bff.access");
      log.setLevel(Level.INFO);
      log.addAppender(appender);

      log.info("{\"n\":0}");
      Poll.until("the first line", Duration.ofSeconds(5), () -> captured.size() > 0);
      assertEquals("{\"n\":0}\n", captured.toString(StandardCharsets.UTF_8), "written without waiting for more lines "+ context.getStatusManager().getCopyOfStatusList());

      // Nothing queued at the next tick: the writer sleeps until an event wakes it, not every 20 ms.
      Thread writer = Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals("bff-log-writer-test")).findFirst().orElseThrow();
      Poll.until("an idle writer to wait without a deadline", Duration.ofSeconds(5), () -> writer.getState() == Thread.State.WAITING);
      log.info("{\"n\":1}");
      Poll.until("the second line", Duration.ofSeconds(5), () -> captured.size() > "{\"n\":0}\n".length());
      assertEquals("{\"n\":0}\n{\"n\":1}\n", captured.toString(StandardCharsets.UTF_8), "the next line wakes it");

      IntStream.range(2, 1000).forEach(n -> log.info("{\"n\":" + n + "}"));
      appender.stop();
      List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
      assertEquals(IntStream.range(0, 1000).mapToObj(n -> "{\"n\":" + n + "}").toList(), lines, "every line, once, in order, on stop");
      log.info("after stop");
      assertFalse(captured.toString(StandardCharsets.UTF_8).contains("after stop"));
    } finally {
      System.setOut(stdout);
      context.stop();
    }
  }
}
