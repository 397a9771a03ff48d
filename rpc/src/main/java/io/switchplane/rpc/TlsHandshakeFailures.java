package io.switchplane.rpc;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import io.prometheus.metrics.core.metrics.Counter;
import io.switchplane.rpc.metrics.Metrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, per port, the connections a TLS server closed before they became ready, in {@code
 * PREFIX_tls_handshake_failures_total}: a client that does not trust the server's CA, whose
 * certificate the cluster CA did not issue, has expired or names the wrong role, or that speaks
 * plaintext. gRPC ends such a connection without ever making it ready, which is the one place every
 * such failure shows, whatever the cause; the cause itself is not known here. Logged in one line at
 * most every {@link #LOG_EVERY_NANOS} per port, with the count since.
 */
public final class TlsHandshakeFailures extends ServerTransportFilter {
  private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakeFailures.class);
  static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Counter failures;
  private final String port;
  private final AtomicLong unlogged = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  /**
   * @param prefix the server's metric prefix ({@code switchplane_manager})
   * @param port the port's name in the metric's label and the log ({@code operator}, {@code agent})
   */
  public TlsHandshakeFailures(Metrics metrics, String prefix, String port) {
    this.failures =
        metrics.counter(
            prefix + "_tls_handshake_failures_total",
            "Connections closed before their TLS handshake completed (untrusted, expired or wrong-role certificate, "
                + "a client not trusting the cluster CA, plaintext), by port",
            "port");
    this.port = port;
    failures.initLabelValues(port);
  }

  @Override
  public void transportTerminated(Attributes transportAttrs) {
    // gRPC passes what transportReady returned; null: the connection never became ready.
    if (transportAttrs != null) {
      return;
    }
    failures.labelValues(port).inc();
    unlogged.incrementAndGet();
    long last = lastLog.get();
    long now = System.nanoTime();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      LOG.warn(
          "{} connection(s) to the {} port closed before the TLS handshake completed (a client with no or an "
              + "untrusted, expired or wrong-role certificate, not trusting the cluster CA, or plaintext)",
          unlogged.getAndSet(0),
          port);
    }
  }
}
