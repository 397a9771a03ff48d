package io.switchplane.manager.leader;

import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a leader's death is survivable within a confirm window. A new leader takes over only when
 * ZooKeeper expires the dead leader's session (the session timeout, plus up to one server tick),
 * then confirms or undoes every pending apply; the agents roll back by themselves at their
 * deadline. Keeping session timeout + {@link #SETTLE} at most half the window leaves the other half
 * as margin, so the smallest survivable window is twice that. A commit with a shorter window is
 * still accepted (a rollback at the deadline is consistent, only slower) but is warned about, once
 * per window length.
 */
public final class FailoverBudget implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverBudget.class);

  /**
   * Allowance from the session timeout to every host settled: one tick of a default ZooKeeper (2
   * s), the election and loading, the probes and confirms (FailoverIT measures the whole).
   */
  public static final Duration SETTLE = Duration.ofSeconds(2);

  private final Duration sessionTimeout;
  private final Set<Long> warned = ConcurrentHashMap.newKeySet();

  public FailoverBudget(Duration sessionTimeout) {
    this.sessionTimeout = sessionTimeout;
  }

  /**
   * The smallest confirm window a leader kill is survivable within: 2 × (session timeout + settle).
   */
  public Duration smallestWindow() {
    return sessionTimeout.plus(SETTLE).multipliedBy(2);
  }

  public boolean survivable(long confirmWindowMs) {
    return confirmWindowMs >= smallestWindow().toMillis();
  }

  /** Says at start which windows survive a leader's death; warns when the default one does not. */
  public void logAtStart() {
    if (survivable(PushIntent.DEFAULT_CONFIRM_TIMEOUT_MS)) {
      LOG.info(
          "ZooKeeper session timeout {} ms: a leader failure is resolved inside confirm windows of {} ms or more",
          sessionTimeout.toMillis(),
          smallestWindow().toMillis());
    } else {
      LOG.warn(
          "ZooKeeper session timeout {} ms is too long for the default {} ms confirm window: after a leader "
              + "failure the agents may roll back before a new leader confirms; use a session timeout of at most {} ms "
              + "or confirm windows of {} ms or more",
          sessionTimeout.toMillis(),
          PushIntent.DEFAULT_CONFIRM_TIMEOUT_MS,
          PushIntent.DEFAULT_CONFIRM_TIMEOUT_MS / 2 - SETTLE.toMillis(),
          smallestWindow().toMillis());
    }
  }

  @Override
  public void committed(CommittedChange change, PushIntent intent) {
    long window = intent.confirmTimeoutMs();
    if (!survivable(window) && warned.add(window)) {
      LOG.warn(
          "DVS {}: confirm window {} ms is below {} ms (2 x (session timeout {} ms + {} ms)): if the leader "
              + "fails while a change is pending, the agents may roll it back before a new leader confirms it",
          change.after().dvs().getName(),
          window,
          smallestWindow().toMillis(),
          sessionTimeout.toMillis(),
          SETTLE.toMillis());
    }
  }

  @Override
  public void decided(
      String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {
    // Nothing to check: the window was checked when the change set was committed.
  }

  @Override
  public void deleted(DvsConfig last) {
    // A deletion's tombstones use the default window.
  }
}
