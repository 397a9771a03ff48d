package io.switchplane.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The CLI's logging, set up in code (found by logback as a service): parsing a logback.xml took
 * about a fifth of a read verb's run. A logback.xml given by -Dlogback.configurationFile or a
 * logback-test.xml on the class path still wins.
 *
 * <p>Warnings and errors to stderr (SWITCHPLANE_LOG_LEVEL sets the root level), chatty libraries
 * quieter; java.util.logging (gRPC), bridged to SLF4J in {@link Main}, kept at the same levels so
 * that records below a logger's level are dropped in JUL instead of formatted and passed over.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
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

    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(stderr);
    root.setLevel(Level.toLevel(setting("SWITCHPLANE_LOG_LEVEL"), Level.WARN));
    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** A system property, else the environment variable of that name (as logback.xml's ${X}). */
  private static String setting(String name) {
    String value = System.getProperty(name);
    return value != null ? value : System.getenv(name);
  }
}
