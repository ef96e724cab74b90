package dev.bffgateway.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * What one logger (and the loggers under it) logs while a test runs, kept out of the console: a test that expects
 * an error log asserts it instead of printing a stack trace that reads like a failure. Close it to restore the
 * logger.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(String name) {
    logger = (Logger) LoggerFactory.getLogger(name);
    appender.start();
    logger.addAppender(appender);
    logger.setAdditive(false);
  }

  public static LogCapture of(String loggerName) {
    return new LogCapture(loggerName);
  }

  public static LogCapture of(Class<?> type) {
    return new LogCapture(type.getName());
  }

  /**
   * The events at WARN or above, each as {@code LEVEL message} and, when it carries one, {@code : exception
   * message} of its throwable.
   */
  public List<String> warnings() {
    synchronized (appender) { // the lock under which logback appends, from whichever thread logged
      return appender.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN)).map(LogCapture::describe).toList();
    }
  }

  private static String describe(ILoggingEvent event) {
    IThrowableProxy thrown = event.getThrowableProxy();
    return event.getLevel() + " " + event.getFormattedMessage() + (thrown == null ? "" : ": " + thrown.getMessage());
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setAdditive(true);
  }
}
