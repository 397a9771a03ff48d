package io.switchplane.rpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused call (method, peer, code, the start of the reason), at most {@link
 * #LINES_PER_WINDOW} lines per {@link #WINDOW_SECONDS} seconds; the next line after a full window
 * says how many were left out. Never a stack trace: a refusal is the client's mistake and its
 * status says all there is. INTERNAL and UNKNOWN are not refusals but bugs, logged with their cause
 * where they happen; CANCELLED is the client leaving.
 *
 * <p>A stream tracer, like {@link ServerErrorCounter}, so it also hears the refusals that no
 * service code ran for (a malformed request, a missing token).
 */
public final class RefusalLog extends ServerStreamTracer.Factory {
  static final int LINES_PER_WINDOW = 20;
  static final long WINDOW_SECONDS = 10;
  private static final int MAX_REASON = 200;

  private final Logger log;
  private final LongSupplier nanoTime;
  private long windowStart;
  private int logged;
  private long left;

  public RefusalLog() {
    this(LoggerFactory.getLogger(RefusalLog.class), System::nanoTime);
  }

  RefusalLog(Logger log, LongSupplier nanoTime) {
    this.log = log;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new ServerStreamTracer() {
      private volatile SocketAddress peer;

      @Override
      public void serverCallStarted(ServerCallInfo<?, ?> info) {
        peer = info.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      }

      @Override
      public void streamClosed(Status status) {
        switch (status.getCode()) {
          case OK, INTERNAL, UNKNOWN, CANCELLED -> {
            return;
          }
          default -> refused(fullMethodName, peer, status);
        }
      }
    };
  }

  void refused(String method, SocketAddress peer, Status status) {
    long skipped;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      if (now - windowStart >= TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
        windowStart = now;
        logged = 0;
      }
      if (logged == LINES_PER_WINDOW) {
        left++;
        return;
      }
      logged++;
      skipped = left;
      left = 0;
    }
    String reason = status.getDescription() == null ? "" : status.getDescription();
    if (reason.length() > MAX_REASON) {
      reason = reason.substring(0, MAX_REASON) + "...";
    }
    if (skipped > 0) {
      log.info(
          "refused {} from {}: {} {} ({} earlier refusals not logged)",
          method,
          peer,
          status.getCode(),
          reason,
          skipped);
    } else {
      log.info("refused {} from {}: {} {}", method, peer, status.getCode(), reason);
    }
  }
}
