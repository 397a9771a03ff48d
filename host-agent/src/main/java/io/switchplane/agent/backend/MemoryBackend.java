package io.switchplane.agent.backend;

import io.switchplane.api.v1.EffectivePort;
import io.switchplane.common.diff.PortOp;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded default backend: an in-process model of a host switch. Like a real switch it refuses
 * operations that do not match what it has (adding an existing port, updating or removing a missing
 * one, or one whose current config differs from the operation's {@code before}), so a wrong diff
 * shows up as an error instead of silently converging.
 *
 * <p>Starts empty; a switch appears with its first port and disappears with its last one.
 */
public final class MemoryBackend extends OpByOpBackend {
  public static final String NAME = "memory";

  private final ConcurrentMap<String, ConcurrentMap<String, EffectivePort>> switches =
      new ConcurrentHashMap<>();

  /**
   * Forward operations applied since the last {@link #failOnOperation}; undo operations do not
   * count.
   */
  private final AtomicInteger operations = new AtomicInteger();

  /** 1-based forward operation that fails once; 0: none. */
  private final AtomicInteger failAt = new AtomicInteger();

  @Override
  public String name() {
    return NAME;
  }

  /** Lost with the process, rebuilt from the store at start: no journal needed. */
  @Override
  public boolean outlivesAgent() {
    return false;
  }

  @Override
  public Map<String, EffectivePort> ports(String dvsId) {
    Map<String, EffectivePort> ports = switches.get(dvsId);
    return ports == null ? Map.of() : Map.copyOf(ports);
  }

  /**
   * Test hook: the k-th forward operation from now (1-based, counted over all switches) fails once,
   * as if the switch had refused it; k = 0 clears the fault.
   */
  public void failOnOperation(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("operation number must be >= 0: " + k);
    }
    operations.set(0);
    failAt.set(k);
  }

  /** The ports announced so far ({@link #announce}), "dvsId/key" in order. */
  private final java.util.List<String> announced =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** Records the announcement: the in-process switch has no wire to send it on. */
  @Override
  public void announce(String dvsId, EffectivePort port) {
    announced.add(dvsId + "/" + port.getKey());
  }

  /** The ports announced so far, "dvsId/key" in order. */
  public java.util.List<String> announced() {
    synchronized (announced) {
      return java.util.List.copyOf(announced);
    }
  }

  @Override
  protected void applyOne(String dvsId, PortOp op) throws BackendException {
    int k = failAt.get();
    if (k > 0 && operations.incrementAndGet() == k && failAt.compareAndSet(k, 0)) {
      throw new BackendException("injected fault on operation " + k + " (" + op + ")");
    }
    change(dvsId, op);
  }

  @Override
  protected void undoOne(String dvsId, PortOp op) throws BackendException {
    change(dvsId, op);
  }

  private void change(String dvsId, PortOp op) throws BackendException {
    if (op.kind() == PortOp.Kind.ADD) {
      ConcurrentMap<String, EffectivePort> ports =
          switches.computeIfAbsent(dvsId, id -> new ConcurrentHashMap<>());
      if (ports.putIfAbsent(op.key(), op.after()) != null) {
        throw new BackendException("port " + op.key() + " exists already");
      }
      return;
    }
    ConcurrentMap<String, EffectivePort> ports = switches.get(dvsId);
    EffectivePort has = ports == null ? null : ports.get(op.key());
    if (has == null) {
      throw new BackendException("port " + op.key() + " does not exist");
    }
    if (!has.equals(op.before())) {
      throw new BackendException(
          "port " + op.key() + " does not have the configuration the " + op.kind() + " expects");
    }
    if (op.kind() == PortOp.Kind.UPDATE) {
      ports.put(op.key(), op.after());
      return;
    }
    ports.remove(op.key());
    // Calls for one DVS never overlap, so no port can be added between the check and the removal.
    if (ports.isEmpty()) {
      switches.remove(dvsId, ports);
    }
  }

  @Override
  public void close() {
    switches.clear();
  }
}
