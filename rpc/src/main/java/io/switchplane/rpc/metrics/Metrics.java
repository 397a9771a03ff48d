package io.switchplane.rpc.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One component's metrics: a {@link PrometheusRegistry} of the Prometheus Java client, with the
 * project's conventions in one place (classic latency buckets from 0.5 ms to 10 s, no exemplars,
 * one family per name however often it is asked for). A registry per component rather than the
 * client's global one, as many managers and agents share a JVM in tests and the bench; a process
 * serves its own with {@link MetricsHttpServer} and adds {@link #withJvmMetrics() JVM metrics}.
 *
 * <p>Counters with labels have no series until a label value is used: callers initialise the values
 * they know ({@link Counter#initLabelValues}) so that every series is there from the start.
 */
public final class Metrics {
  /** Histogram bucket upper bounds, seconds: 0.5 ms to 10 s. */
  static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, Object> families = new ConcurrentHashMap<>();
  private final AtomicBoolean jvm = new AtomicBoolean();

  /** The registry, for the scrape handler. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * The counter called name (exposed with {@code _total}), registered on first use; the same
   * counter for the same name afterwards.
   */
  public Counter counter(String name, String help, String... labelNames) {
    return family(
        name,
        Counter.class,
        () ->
            Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames)
                .withoutExemplars()
                .register(registry));
  }

  /** A histogram of durations in seconds, in {@link #LATENCY_BUCKETS}. */
  public Histogram latency(String name, String help, String... labelNames) {
    return family(
        name,
        Histogram.class,
        () ->
            Histogram.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames)
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .withoutExemplars()
                .register(registry));
  }

  /**
   * A gauge read at each scrape: callback reports each series with its label values. A series it
   * does not report is absent, so a callback reports every value it knows, zeros included.
   */
  public void gauge(
      String name,
      String help,
      List<String> labelNames,
      Consumer<GaugeWithCallback.Callback> callback) {
    family(
        name,
        GaugeWithCallback.class,
        () ->
            GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames.toArray(String[]::new))
                .callback(callback)
                .register(registry));
  }

  /** Adds the JVM's and the process's metrics (memory, GC, threads, CPU, open files); once. */
  public Metrics withJvmMetrics() {
    if (jvm.compareAndSet(false, true)) {
      JvmMetrics.builder().register(registry);
    }
    return this;
  }

  /** The registry in the Prometheus text format, as scraped (for tests and diagnostics). */
  public String render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The sum over every series of a counter or gauge called name ({@code _total} optional for a
   * counter); 0 when there is none. For tests and checks that read a value rather than text.
   */
  public double total(String name) {
    String bare = name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
    double sum = 0;
    for (MetricSnapshot s : registry.scrape(n -> n.equals(bare) || n.equals(name))) {
      if (s instanceof CounterSnapshot c) {
        sum += c.getDataPoints().stream().mapToDouble(p -> p.getValue()).sum();
      } else if (s instanceof GaugeSnapshot g) {
        sum += g.getDataPoints().stream().mapToDouble(p -> p.getValue()).sum();
      }
    }
    return sum;
  }

  private <T> T family(String name, Class<T> type, java.util.function.Supplier<T> make) {
    Object f = families.computeIfAbsent(name, n -> make.get());
    if (!type.isInstance(f)) {
      throw new IllegalArgumentException(name + " is registered as another kind of metric");
    }
    return type.cast(f);
  }
}
