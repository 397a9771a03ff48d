package io.switchplane.manager.reconcile;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-push stage durations, for the bench's breakdown: the desired-state build of each host, each
 * Apply's round trip split into the agent's own stages (from its answer) and the rest (send and
 * answer: network, gRPC, protobuf), and each Confirm's round trip. Off unless {@link #enable}d: a
 * manager in service keeps no samples; the bench turns it on and drains it after each run.
 *
 * <p>Thread-safe; a sample costs a lock and an array store.
 */
public final class PushStages {
  /** The desired state of one host built from the committed configuration. */
  public static final String BUILD = "desired-state build (per host)";

  /** From the Apply sent to its answer, minus the agent's apply time. */
  public static final String SEND_ANSWER = "apply send + answer (network, gRPC, protobuf)";

  /** The agent's time in the Apply, request to answer: the sum of its stages. */
  public static final String AGENT = "agent apply (sum of its stages)";

  /** From the Confirm sent to its answer. */
  public static final String CONFIRM = "confirm round trip";

  /** From the Apply sent to the host confirmed. */
  public static final String HOST_PUSH = "host push (apply sent -> confirmed)";

  /** The row of each agent stage by the stage's name: made once, not per push. */
  private static final ConcurrentHashMap<String, String> AGENT_STAGES = new ConcurrentHashMap<>();

  private volatile boolean enabled;
  private final Map<String, Samples> stages = new LinkedHashMap<>();

  private static final class Samples {
    long[] values = new long[1024];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
  }

  /** Starts (true) or stops keeping samples; stopping drops those kept. */
  public void enable(boolean on) {
    enabled = on;
    if (!on) {
      drain();
    }
  }

  boolean enabled() {
    return enabled;
  }

  /** The row of the agent's stage named stage (as its answer names it). */
  static String agentStage(String stage) {
    return AGENT_STAGES.computeIfAbsent(stage, n -> "  agent " + n);
  }

  /** Adds a sample of micros to stage, when enabled. */
  void record(String stage, long micros) {
    if (!enabled) {
      return;
    }
    synchronized (this) {
      stages.computeIfAbsent(stage, s -> new Samples()).add(micros);
    }
  }

  /** The samples kept since the last drain, microseconds per stage in first-seen order; clears. */
  public synchronized Map<String, long[]> drain() {
    Map<String, long[]> out = new LinkedHashMap<>();
    stages.forEach((stage, s) -> out.put(stage, Arrays.copyOf(s.values, s.size)));
    stages.clear();
    return out;
  }
}
