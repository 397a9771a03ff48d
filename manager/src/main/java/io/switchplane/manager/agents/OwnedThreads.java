package io.switchplane.manager.agents;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads one component made (named daemon threads from its factories), so that what the
 * component costs in CPU can be read from inside the process: the bench reads the manager's push
 * threads this way, whatever else (agents, ZooKeeper) shares the JVM. A thread that ended takes its
 * CPU time with it; the pools counted here keep their threads for their owner's life.
 */
public final class OwnedThreads {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

  /** A factory of daemon threads named prefix-1, prefix-2, ..., each counted here. */
  public ThreadFactory factory(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      threads.add(t);
      return t;
    };
  }

  /**
   * CPU time of the live threads made here, nanoseconds (-1 when the JVM does not measure thread
   * CPU time).
   */
  public long cpuNanos() {
    if (!MX.isThreadCpuTimeSupported() || !MX.isThreadCpuTimeEnabled()) {
      return -1;
    }
    long sum = 0;
    for (Thread t : threads) {
      if (!t.isAlive()) {
        continue;
      }
      long ns = MX.getThreadCpuTime(t.getId());
      if (ns > 0) {
        sum += ns;
      }
    }
    return sum;
  }
}
