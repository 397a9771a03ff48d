package io.switchplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The CLI's logging as logback.xml had it: warnings to stderr, chatty libraries quieter, JUL. */
class LogSetupTest {
  @Test
  void warningsGoToStderrAndLibrariesAreQuieter() {
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(root.getAppender("STDERR"))
        .isInstanceOfSatisfying(
            ConsoleAppender.class, a -> assertThat(a.getTarget()).isEqualTo("System.err"));
    assertThat(context.getLogger("org.apache.zookeeper.server.ServerCnxnFactory").getLevel())
        .isEqualTo(Level.ERROR);
    assertThat(context.getLogger("com.vmware.vim25.ws.WSClient").getLevel()).isEqualTo(Level.OFF);
    // JUL follows: gRPC's records below WARN are dropped before they reach SLF4J
    assertThat(java.util.logging.Logger.getLogger("io.grpc").getLevel())
        .isEqualTo(java.util.logging.Level.WARNING);
    context.stop();
  }
}
