package io.switchplane.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging, set up in code (found by logback as a service): parsing a logback.xml took
 * about a fifth of a read verb's run. A logback.xml given by -Dlogback.configurationFile or a
 * logback-test.xml on the class path still wins.
 *
 * <p>Warnings and errors to stderr (SWITCHPLANE_LOG_LEVEL sets the root level,
 * SWITCHPLANE_LOG_FORMAT {@code text} or {@code json} the format; the servers' {@code --log-level}
 * and {@code --log-format} override both through {@link #reconfigure}), chatty libraries quieter;
 * java.util.logging (gRPC), bridged to SLF4J in {@link Main}, kept at the same levels so that
 * records below a logger's level are dropped in JUL instead of formatted and passed over.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  private static final String APPENDER = "STDERR";

  private static final Map<String, Level> LEVELS =
      Map.of(
          "org.apache.zookeeper", Level.WARN,
          // "maxCnxns is not configured" on every embedded start: not actionable
          "org.apache.zookeeper.server.ServerCnxnFactory", Level.ERROR,
          "org.apache.curator", Level.WARN,
          "io.grpc", Level.WARN,
          // yavijava logs every failed vCenter call (a refused login, a vCenter away, a cancelled
          // wait) at ERROR with a stack trace before the tracker reports it in 'vcenter status';
          // its TRACE would log the login request, password included: keep it off
          "com.vmware.vim25.ws.WSClient", Level.OFF);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LevelChangePropagator jul = new LevelChangePropagator();
    jul.setContext(context);
    jul.setResetJUL(true);
    jul.start();
    context.addListener(jul);

    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(APPENDER);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder(context, setting("SWITCHPLANE_LOG_FORMAT")));
    stderr.start();

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(stderr);
    root.setLevel(Level.toLevel(setting("SWITCHPLANE_LOG_LEVEL"), Level.WARN));
    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Sets the root level (null: unchanged) and the format of stderr's lines, {@code text} or {@code
   * json} (null: unchanged), after start. Only the format of the appender set up here changes: with
   * a logback.xml of the operator's, its appenders stay as they are.
   */
  public static void reconfigure(String level, String format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (level != null) {
      root.setLevel(Level.toLevel(level, root.getLevel()));
    }
    if (format != null
        && root.getAppender(APPENDER) instanceof ConsoleAppender<ILoggingEvent> stderr) {
      Encoder<ILoggingEvent> encoder = encoder(context, format);
      stderr.stop();
      stderr.setEncoder(encoder);
      stderr.start();
    }
  }

  /**
   * One line per event: text (time, level, thread, logger, message) or JSON (logback's JsonEncoder:
   * timestamp, level, thread, logger, the formatted message, MDC, key-value pairs, throwable).
   */
  private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
    if ("json".equalsIgnoreCase(format)) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    text.start();
    return text;
  }

  /** A system property, else the environment variable of that name (as logback.xml's ${X}). */
  private static String setting(String name) {
    String value = System.getProperty(name);
    return value != null ? value : System.getenv(name);
  }
}
