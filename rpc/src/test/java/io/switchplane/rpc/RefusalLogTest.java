package io.switchplane.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RefusalLogTest {
  private final AtomicLong now = new AtomicLong();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private RefusalLog log;

  @BeforeEach
  void setUp() {
    Logger logger = new LoggerContext().getLogger("refusals");
    lines.start();
    logger.addAppender(lines);
    log = new RefusalLog(logger, now::get);
  }

  @Test
  void oneShortLinePerRefusalWithoutAStackTrace() {
    log.refused(
        "svc/GetDvs",
        new InetSocketAddress("127.0.0.1", 5000),
        Status.NOT_FOUND
            .withDescription("DVS '" + "x".repeat(5000) + "' not found")
            .withCause(new IllegalStateException()));
    assertThat(lines.list).hasSize(1);
    ILoggingEvent line = lines.list.get(0);
    assertThat(line.getFormattedMessage())
        .startsWith("refused svc/GetDvs from /127.0.0.1:5000: NOT_FOUND DVS 'xxx")
        .endsWith("...")
        .hasSizeLessThan(300);
    assertThat(line.getThrowableProxy()).isNull();
  }

  @Test
  void aFloodIsCutToTheWindowsLinesAndTheNextLineCountsTheRest() {
    for (int i = 0; i < 1000; i++) {
      log.refused("svc/M", null, Status.INVALID_ARGUMENT.withDescription("bad " + i));
    }
    assertThat(lines.list).hasSize(RefusalLog.LINES_PER_WINDOW);
    now.addAndGet(TimeUnit.SECONDS.toNanos(RefusalLog.WINDOW_SECONDS));
    log.refused("svc/M", null, Status.INVALID_ARGUMENT.withDescription("late"));
    assertThat(lines.list).hasSize(RefusalLog.LINES_PER_WINDOW + 1);
    assertThat(lines.list.get(RefusalLog.LINES_PER_WINDOW).getFormattedMessage())
        .isEqualTo(
            "refused svc/M from null: INVALID_ARGUMENT late (980 earlier refusals not logged)");
  }
}
