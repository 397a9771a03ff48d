package io.switchplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * gRPC's java.util.logging goes to SLF4J, and an operator verb keeps gRPC's own warnings off the
 * terminal.
 */
class LoggingTest {
  private final ListAppender<ILoggingEvent> grpcLines = new ListAppender<>();
  private final Logger grpc = (Logger) LoggerFactory.getLogger("io.grpc");
  private Level before;

  @BeforeEach
  void attach() {
    Main.bridgeJavaLogging();
    before = grpc.getLevel();
    grpcLines.start();
    grpc.addAppender(grpcLines);
  }

  @AfterEach
  void detach() {
    grpc.detachAppender(grpcLines);
    grpc.setLevel(before);
  }

  @Test
  void javaUtilLoggingRecordsReachSlf4j() {
    grpc.setLevel(Level.WARN);
    java.util.logging.Logger.getLogger("io.grpc.internal.Test").warning("a warning through JUL");
    assertThat(grpcLines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("a warning through JUL");
  }

  @Test
  void aVerbReportsAnUnresolvableManagerOnceWithoutGrpcsOwnWarning() {
    grpc.setLevel(Level.WARN);
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    // Plaintext: this is about the name, and a TLS client would first ask for the manager's CA.
    int exit =
        cmd.execute("dvs", "list", "--manager", "no-such-host.invalid:1", "--insecure-plaintext");
    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("UNAVAILABLE", "Unable to resolve host");
    // gRPC's "Failed to resolve name" warning (with the resolver's stack trace) stays out.
    assertThat(grpcLines.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
  }
}
