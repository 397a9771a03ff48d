package io.switchplane.rpc.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.switchplane.rpc.health.Readiness;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void rendersCountersAndHistogramsInPrometheusTextFormat() {
    Metrics m = new Metrics();
    Counter rollbacks = m.counter("x_rollbacks_total", "Rollbacks.", "cause");
    rollbacks.labelValues("confirm_timeout").inc();
    rollbacks.labelValues("confirm_timeout").inc();
    rollbacks.labelValues("requested").inc();
    Histogram latency = m.latency("x_latency_seconds", "Latency.");
    latency.observe(0.002);
    latency.observe(3);

    assertThat(m.render())
        .contains(
            "# TYPE x_rollbacks_total counter\n",
            "x_rollbacks_total{cause=\"confirm_timeout\"} 2.0\n",
            "x_rollbacks_total{cause=\"requested\"} 1.0\n",
            "# TYPE x_latency_seconds histogram\n",
            "x_latency_seconds_bucket{le=\"0.001\"} 0\n",
            "x_latency_seconds_bucket{le=\"0.0025\"} 1\n",
            "x_latency_seconds_bucket{le=\"2.5\"} 1\n",
            "x_latency_seconds_bucket{le=\"5.0\"} 2\n",
            "x_latency_seconds_bucket{le=\"+Inf\"} 2\n",
            "x_latency_seconds_count 2\n");
    assertThat(m.total("x_rollbacks_total")).isEqualTo(3);
  }

  @Test
  void initialisedLabelValuesAndUnlabelledCountersAreThereBeforeTheirFirstEvent() {
    Metrics m = new Metrics();
    m.counter("x_total", "X.");
    m.counter("y_total", "Y.", "cause").initLabelValues("timeout");

    assertThat(m.render()).contains("x_total 0.0\n", "y_total{cause=\"timeout\"} 0.0\n");
  }

  @Test
  void theSameNameIsTheSameFamily() {
    Metrics m = new Metrics();
    m.counter("x_total", "X.", "port").labelValues("a").inc();
    m.counter("x_total", "X.", "port").labelValues("b").inc();

    assertThat(m.total("x_total")).isEqualTo(2);
  }

  @Test
  void gaugesAreReadAtEachScrape() {
    Metrics m = new Metrics();
    AtomicInteger depth = new AtomicInteger(3);
    m.gauge("x_depth", "Depth.", List.of("queue"), cb -> cb.call(depth.get(), "push"));

    assertThat(m.render()).contains("x_depth{queue=\"push\"} 3.0\n");
    depth.set(5);
    assertThat(m.render()).contains("x_depth{queue=\"push\"} 5.0\n");
  }

  @Test
  void jvmAndProcessMetricsOnRequest() {
    Metrics m = new Metrics().withJvmMetrics().withJvmMetrics();

    assertThat(m.render()).contains("jvm_memory_used_bytes", "process_cpu_seconds_total");
  }

  @Test
  void servesMetricsHealthReadinessAndAddedRoutesOverHttpOnLoopback() throws IOException {
    Metrics m = new Metrics();
    m.counter("x_total", "X.").inc();
    AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.of("recovering"));
    Readiness readiness = notReady::get;
    try (MetricsHttpServer server = new MetricsHttpServer(m, readiness)) {
      int port = server.start("127.0.0.1", 0);
      server.route(
          "/status",
          exchange -> {
            byte[] body = "page".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
              out.write(body);
            }
          });

      assertThat(get(port, "/metrics")).isEqualTo("200 " + m.render());
      assertThat(get(port, "/healthz")).isEqualTo("200 ok\n");
      assertThat(get(port, "/readyz")).isEqualTo("503 not ready: recovering\n");
      notReady.set(Optional.empty());
      assertThat(get(port, "/readyz")).isEqualTo("200 ready\n");
      assertThat(get(port, "/status")).isEqualTo("200 page");
    }
  }

  /** "CODE BODY" of a GET. */
  private static String get(int port, String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
    int code = c.getResponseCode();
    try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
      return code + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
