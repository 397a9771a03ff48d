package io.switchplane.manager.service;

import io.switchplane.common.error.SwitchplaneException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Guards the writes of the configuration domain: they are accepted only on the leader once it has
 * loaded its state (elsewhere UNAVAILABLE naming the leader), run one at a time per DVS, and check
 * under their DVS's lock that the leadership they started under still holds.
 */
final class WriteGuard {
  private final ConfigService.LeaderView view;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private volatile LeaderState leader;

  WriteGuard(ConfigService.LeaderView view) {
    this.view = view;
  }

  /** The leader's state; null while this manager does not lead (or is still loading). */
  LeaderState current() {
    return leader;
  }

  void lead(LeaderState state) {
    leader = state;
  }

  void stepDown() {
    leader = null;
  }

  /** The leader's state; UNAVAILABLE (naming the leader) unless this manager leads. */
  LeaderState require() {
    LeaderState state = leader;
    if (state == null) {
      throw notLeader();
    }
    return state;
  }

  /**
   * UNAVAILABLE when state is no longer this manager's leadership (lost, or lost and won again).
   */
  void requireStill(LeaderState state) {
    if (leader != state) {
      throw notLeader();
    }
  }

  /** Runs write under DVS dvsId's lock, once it has checked that state is still the leadership. */
  <T> T locked(String dvsId, LeaderState state, Supplier<T> write) {
    ReentrantLock lock = locks.computeIfAbsent(dvsId, k -> new ReentrantLock());
    lock.lock();
    try {
      requireStill(state);
      return write.get();
    } finally {
      lock.unlock();
    }
  }

  private SwitchplaneException notLeader() {
    String id = view.leaderId();
    if (id == null || id.isEmpty()) {
      return SwitchplaneException.unavailable(
          "not the leader; no leader is elected yet, retry shortly");
    }
    if (id.equals(view.selfId())) {
      return SwitchplaneException.unavailable(
          "this manager was just elected leader and is loading its state; " + "retry shortly");
    }
    return SwitchplaneException.unavailable("not the leader; the leader is %s", id);
  }
}
