package io.switchplane.bench;

import io.switchplane.cli.output.Table;
import io.switchplane.manager.reconcile.PushEngine;
import io.switchplane.manager.reconcile.PushStages;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-stage breakdown of timed runs and the manager's CPU per host push. Around each timed run
 * {@link #begin} and {@link #end} read the push engine: its stage samples ({@link PushStages}: the
 * desired-state build, each Apply split into the agent's stages and send + answer, each Confirm),
 * the commit call's own time (plan, ZooKeeper write and the desired-state builds, on the manager's
 * commit path), and the CPU time of the manager's push threads ({@link PushEngine#pushCpuNanos}:
 * engine thread, agent-channel call executor, its Netty event loops and request timers; not the
 * agents', whether in this JVM or not) divided by the hosts pushed.
 */
final class PushBreakdown {
  /** The commit call as the bench's client sees it, per change set. */
  static final String COMMIT = "commit call (plan, ZooKeeper write, builds; per change set)";

  private final PushEngine push;
  private final Map<String, List<Long>> samples = new LinkedHashMap<>();
  private final List<Long> cpuPerHostNanos = new ArrayList<>();
  private long cpuAtBegin;

  PushBreakdown(PushEngine push) {
    this.push = push;
    push.stages().enable(true);
  }

  /** A timed run starts: samples from before it are dropped. */
  void begin() {
    push.stages().drain();
    cpuAtBegin = push.pushCpuNanos();
  }

  /** The timed run ended; its commit call took commitMicros and pushed to hosts hosts. */
  void end(long commitMicros, int hosts) {
    long cpu = push.pushCpuNanos();
    if (cpu >= 0 && cpuAtBegin >= 0 && hosts > 0) {
      cpuPerHostNanos.add((cpu - cpuAtBegin) / hosts);
    }
    samples.computeIfAbsent(COMMIT, s -> new ArrayList<>()).add(commitMicros);
    push.stages()
        .drain()
        .forEach(
            (stage, values) -> {
              List<Long> all = samples.computeIfAbsent(stage, s -> new ArrayList<>());
              for (long v : values) {
                all.add(v);
              }
            });
  }

  /** Median and p99 of the manager's CPU per host push over the runs, microseconds. */
  long[] cpuPerHostMicros() {
    return cpuPerHostNanos.stream().mapToLong(n -> n / 1000).toArray();
  }

  void print(PrintStream out, String title) {
    Table t = new Table("STAGE (" + title + ")", "P50", "P99", "SAMPLES");
    samples.forEach(
        (stage, values) -> {
          long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
          t.row(
              stage,
              micros(BenchCommand.median(v)),
              micros(BenchCommand.percentile(v, 99)),
              v.length);
        });
    t.print(out);
    long[] cpu = cpuPerHostMicros();
    if (cpu.length > 0) {
      Arrays.sort(cpu);
      out.printf(
          "manager CPU per host push (apply + confirm; CPU time of the manager's push threads over"
              + " a run / hosts pushed; agents not counted): median %d us, p99 %d us, runs %s%n",
          BenchCommand.median(cpu), BenchCommand.percentile(cpu, 99), Arrays.toString(cpu));
    } else {
      out.println("manager CPU per host push: not measured (this JVM does not time thread CPU)");
    }
  }

  private static String micros(long us) {
    return us >= 10_000 ? String.format("%.1f ms", us / 1000.0) : us + " us";
  }
}
