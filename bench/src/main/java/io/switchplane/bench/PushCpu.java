package io.switchplane.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU time per host push over the timed runs, per figure: this JVM's (the manager's alone when the
 * agents run in a process of their own; manager and agents together otherwise) and the agents
 * process's. A figure's runs each push to every host; the per-push figure is the CPU of its runs
 * divided by hosts × runs. This JVM's CPU includes the embedded ZooKeeper's commit, the bench's own
 * operator calls, the JIT and GC: everything the manager's process spends for the change. Not
 * thread-safe: the bench's one timing thread uses it.
 */
final class PushCpu {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final int hosts;
  private final Supplier<Duration> agentsProcess;
  private final Map<String, Tally> figures = new LinkedHashMap<>();

  /** CPU used so far: this JVM's, and the agents process's (0 without one), in nanoseconds. */
  record Mark(long thisJvmNanos, long agentsNanos) {}

  private static final class Tally {
    int runs;
    long thisJvmNanos;
    long agentsNanos;
  }

  /**
   * @param agentsProcess the agents process's CPU so far, or null when the agents run in this JVM
   */
  PushCpu(int hosts, Supplier<Duration> agentsProcess) {
    this.hosts = hosts;
    this.agentsProcess = agentsProcess;
  }

  /** For an {@link AgentFleet}: with its process's CPU when it has a process of its own. */
  static PushCpu of(int hosts, AgentFleet fleet) {
    return new PushCpu(hosts, fleet.processCpu() == null ? null : fleet::processCpu);
  }

  Mark mark() {
    return new Mark(
        OS.getProcessCpuTime(), agentsProcess == null ? 0 : agentsProcess.get().toNanos());
  }

  /** Counts one timed run of figure, which used the CPU between from and to. */
  void add(String figure, Mark from, Mark to) {
    Tally t = figures.computeIfAbsent(figure, f -> new Tally());
    t.runs++;
    t.thisJvmNanos += to.thisJvmNanos() - from.thisJvmNanos();
    t.agentsNanos += to.agentsNanos() - from.agentsNanos();
  }

  /** Microseconds of this JVM's CPU per host push for figure (0 if it has no runs). */
  double thisJvmMicrosPerPush(String figure) {
    Tally t = figures.get(figure);
    return t == null ? 0 : t.thisJvmNanos / 1000.0 / ((double) hosts * t.runs);
  }

  /** Microseconds of the agents process's CPU per host push for figure. */
  double agentsMicrosPerPush(String figure) {
    Tally t = figures.get(figure);
    return t == null ? 0 : t.agentsNanos / 1000.0 / ((double) hosts * t.runs);
  }

  /** One line per figure. */
  void print(PrintStream out, String label) {
    figures.forEach(
        (figure, t) -> {
          if (agentsProcess != null) {
            out.printf(
                "%s: CPU per host push, %s (%d runs x %d hosts): manager process %.0f us,"
                    + " agents process %.0f us%n",
                label,
                figure,
                t.runs,
                hosts,
                thisJvmMicrosPerPush(figure),
                agentsMicrosPerPush(figure));
          } else {
            out.printf(
                "%s: CPU per host push, %s (%d runs x %d hosts): %.0f us in this JVM"
                    + " (manager and agents together; --agents-process for the manager alone)%n",
                label, figure, t.runs, hosts, thisJvmMicrosPerPush(figure));
          }
        });
  }
}
