package io.switchplane.bench;

import java.time.Duration;
import java.util.Optional;

/** The bench's N agents, wherever they run: in this JVM or in an agents process of their own. */
interface AgentFleet extends AutoCloseable {
  /** Where agent i (0-based) serves, HOST:PORT. */
  String endpoint(int i);

  int size();

  /**
   * CPU time used so far by the agents' own process, or null when they run in this JVM (whose CPU
   * then counts the manager and the agents together).
   */
  Duration processCpu();

  /** The agents' own process, or empty when they run in this JVM. */
  Optional<ProcessHandle> process();

  @Override
  void close();
}
