package io.switchplane.rpc.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void rendersCountersAndHistogramsInPrometheusTextFormat() {
    Metrics m = new Metrics();
    Metrics.Counter rollbacks = m.counter("x_rollbacks_total", "Rollbacks.", "cause");
    rollbacks.inc("confirm_timeout");
    rollbacks.inc("confirm_timeout");
    rollbacks.inc("requested");
    Metrics.Histogram latency = m.histogram("x_latency_seconds", "Latency.");
    latency.observeNanos(2_000_000); // 2 ms
    latency.observeNanos(3_000_000_000L); // 3 s

    assertThat(m.render())
        .contains(
            "# TYPE x_rollbacks_total counter\n",
            "x_rollbacks_total{cause=\"confirm_timeout\"} 2\n",
            "x_rollbacks_total{cause=\"requested\"} 1\n",
            "# TYPE x_latency_seconds histogram\n",
            "x_latency_seconds_bucket{le=\"0.001\"} 0\n",
            "x_latency_seconds_bucket{le=\"0.0025\"} 1\n",
            "x_latency_seconds_bucket{le=\"2.5\"} 1\n",
            "x_latency_seconds_bucket{le=\"5.0\"} 2\n",
            "x_latency_seconds_bucket{le=\"+Inf\"} 2\n",
            "x_latency_seconds_sum 3.002\n",
            "x_latency_seconds_count 2\n");
  }

  @Test
  void servesThemOverHttpOnLoopback() throws IOException {
    Metrics m = new Metrics();
    m.counter("x_total", "X.", null).inc();
    try (MetricsHttpServer server = new MetricsHttpServer(m)) {
      int port = server.start("127.0.0.1", 0);
      HttpURLConnection c =
          (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
      try (InputStream in = c.getInputStream()) {
        assertThat(c.getResponseCode()).isEqualTo(200);
        assertThat(c.getContentType()).startsWith("text/plain; version=0.0.4");
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("x_total 1\n");
      }
    }
  }
}
