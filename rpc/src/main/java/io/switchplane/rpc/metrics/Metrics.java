package io.switchplane.rpc.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4):
 * counters with one optional label and latency histograms. Lock-free on the hot path (LongAdder per
 * series); rendering walks the series. Enough for our few dozen series, without pulling a metrics
 * library into every module.
 */
public final class Metrics {
  /** Histogram bucket upper bounds, seconds: 0.5 ms to 10 s. */
  private static final double[] BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final Map<String, Family> families = new ConcurrentHashMap<>();

  /** A counter family; label is the label's name, or null for a counter without labels. */
  public Counter counter(String name, String help, String label) {
    Family f = families.computeIfAbsent(name, n -> new Family(n, help, "counter", label));
    return new Counter(f);
  }

  /** A histogram of durations in seconds. */
  public Histogram histogram(String name, String help) {
    Family f = families.computeIfAbsent(name, n -> new Family(n, help, "histogram", null));
    return new Histogram(f);
  }

  /** The registry in Prometheus text format, families sorted by name. */
  public String render() {
    StringBuilder out = new StringBuilder();
    for (Family f : new TreeMap<>(families).values()) {
      out.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
      out.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
      for (Map.Entry<String, LongAdder[]> e : new TreeMap<>(f.series).entrySet()) {
        if (f.type.equals("counter")) {
          out.append(f.name)
              .append(labels(f.label, e.getKey(), null))
              .append(' ')
              .append(e.getValue()[0].sum())
              .append('\n');
        } else {
          LongAdder[] s = e.getValue();
          long cumulative = 0;
          for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += s[i].sum();
            out.append(f.name)
                .append("_bucket{le=\"")
                .append(format(BUCKETS[i]))
                .append("\"} ")
                .append(cumulative)
                .append('\n');
          }
          cumulative += s[BUCKETS.length].sum();
          out.append(f.name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
          out.append(f.name)
              .append("_sum ")
              .append(format(s[BUCKETS.length + 1].sum() / 1e9))
              .append('\n');
          out.append(f.name).append("_count ").append(cumulative).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static String labels(String label, String value, String extra) {
    if (label == null) {
      return extra == null ? "" : "{" + extra + "}";
    }
    String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return "{" + label + "=\"" + escaped + "\"" + (extra == null ? "" : "," + extra) + "}";
  }

  private static String format(double d) {
    return String.format(Locale.ROOT, "%s", d);
  }

  private static final class Family {
    final String name;
    final String help;
    final String type;
    final String label;

    /**
     * Label value ("" without label) → adders: counters one; histograms one per bucket, +Inf, then
     * the sum in ns.
     */
    final Map<String, LongAdder[]> series = new ConcurrentHashMap<>();

    Family(String name, String help, String type, String label) {
      this.name = name;
      this.help = help;
      this.type = type;
      this.label = label;
    }

    LongAdder[] series(String labelValue, int size) {
      return series.computeIfAbsent(
          labelValue,
          v -> {
            List<LongAdder> adders = new ArrayList<>();
            for (int i = 0; i < size; i++) {
              adders.add(new LongAdder());
            }
            return adders.toArray(new LongAdder[0]);
          });
    }
  }

  /** A counter, optionally labelled. */
  public static final class Counter {
    private final Family family;

    private Counter(Family family) {
      this.family = family;
    }

    public void inc() {
      inc("");
    }

    public void inc(String labelValue) {
      family.series(labelValue, 1)[0].increment();
    }
  }

  /** Durations, in Prometheus buckets. */
  public static final class Histogram {
    private final Family family;

    private Histogram(Family family) {
      this.family = family;
    }

    public void observeNanos(long nanos) {
      LongAdder[] s = family.series("", BUCKETS.length + 2);
      double seconds = nanos / 1e9;
      int i = 0;
      while (i < BUCKETS.length && seconds > BUCKETS[i]) {
        i++;
      }
      s[i].increment();
      s[BUCKETS.length + 1].add(nanos);
    }
  }
}
