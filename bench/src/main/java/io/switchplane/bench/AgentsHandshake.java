package io.switchplane.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines by which an agents process tells the bench where its agents listen, on its stdout:
 * {@code switchplane-agents endpoint I HOST:PORT} for each agent in order from 0, then {@code
 * switchplane-agents ready COUNT}; or {@code switchplane-agents failed MESSAGE}. Lines without the
 * prefix are not part of it (whatever a library prints) and are skipped.
 *
 * <p>The reading side is one instance per process, fed line by line; not thread-safe.
 */
final class AgentsHandshake {
  static final String PREFIX = "switchplane-agents ";

  private final int expected;
  private final List<String> endpoints = new ArrayList<>();
  private boolean ready;

  /** A reader expecting count agents. */
  AgentsHandshake(int expected) {
    this.expected = expected;
  }

  static String endpointLine(int i, String endpoint) {
    return PREFIX + "endpoint " + i + " " + endpoint;
  }

  static String readyLine(int count) {
    return PREFIX + "ready " + count;
  }

  /** The failure on one line (line breaks would end it early). */
  static String failedLine(String message) {
    return PREFIX + "failed " + message.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
  }

  /**
   * Takes one line of the process's output; true once the ready line came with every endpoint.
   *
   * @throws IllegalStateException when the process reports a failure, or a line of the handshake is
   *     malformed, out of order, or comes after ready
   */
  boolean accept(String line) {
    if (!line.startsWith(PREFIX)) {
      return ready;
    }
    if (ready) {
      throw new IllegalStateException("agents process: handshake line after ready: " + line);
    }
    String[] words = line.substring(PREFIX.length()).split(" ", 3);
    switch (words[0]) {
      case "failed" ->
          throw new IllegalStateException(
              "agents process failed: "
                  + line.substring(PREFIX.length() + "failed".length()).strip());
      case "endpoint" -> {
        if (words.length != 3
            || !words[1].equals(Integer.toString(endpoints.size()))
            || !words[2].matches("[^\\s:]+:\\d{1,5}")) {
          throw new IllegalStateException(
              "agents process: expected endpoint " + endpoints.size() + " HOST:PORT, got: " + line);
        }
        endpoints.add(words[2]);
      }
      case "ready" -> {
        if (words.length != 2 || !words[1].equals(Integer.toString(expected))) {
          throw new IllegalStateException(
              "agents process: expected ready " + expected + ", got: " + line);
        }
        if (endpoints.size() != expected) {
          throw new IllegalStateException(
              "agents process: ready with " + endpoints.size() + " of " + expected + " endpoints");
        }
        ready = true;
      }
      default -> throw new IllegalStateException("agents process: unknown handshake line: " + line);
    }
    return ready;
  }

  /** The endpoint of each agent, in order; only once ready. */
  List<String> endpoints() {
    if (!ready) {
      throw new IllegalStateException("agents process not ready");
    }
    return List.copyOf(endpoints);
  }
}
