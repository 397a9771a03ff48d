package io.switchplane.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * This JVM's live heap: the heap in use right after a full collection (asked for twice, so that
 * objects freed by finalisation or reference processing of the first are gone too). What `bench
 * --live-heap` prints; with `--agents-process` the JVM holds the manager and its embedded
 * ZooKeeper, nothing of the agents.
 */
final class LiveHeap {
  private LiveHeap() {}

  /** Bytes of heap in use after two full collections. */
  static long bytes() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Prints the live heap, what it holds, and the ports it holds them for. */
  static void print(PrintStream out, String when, long ports, boolean agentsElsewhere) {
    long bytes = bytes();
    out.printf(
        "live heap %s: %.1f MiB (%s, %,d ports; load average %s)%n",
        when,
        bytes / (1024.0 * 1024.0),
        agentsElsewhere
            ? "manager and its embedded ZooKeeper, agents in another process"
            : "manager, embedded ZooKeeper and the agents, all in this JVM",
        ports,
        LoadAverage.now());
  }
}
