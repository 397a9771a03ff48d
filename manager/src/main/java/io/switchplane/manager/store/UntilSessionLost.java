package io.switchplane.manager.store;

import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/**
 * A manager's ZooKeeper retry policy: the given policy's retries (riding out a server that went
 * away: the client moves to another server within the session), but none once the session is lost
 * (Curator's LOST: the session timed out while SUSPENDED, or expired) until the connection is back.
 *
 * <p>Why: a manager cut from ZooKeeper otherwise holds every call that reaches ZooKeeper through
 * the whole retry schedule (each try waits the connection timeout, then backs off: 7 to 20 s with a
 * 2 s session), long after other managers took its DVSes over. Its callers then wait out their
 * deadlines instead of being told at once (UNAVAILABLE) to go elsewhere. Retries after the session
 * is lost win nothing: every held DVS was given up at the loss, so a fenced write could not pass
 * anyway, and ephemeral state must be made anew under a new session.
 *
 * <p>Register {@link #listener()} on the client before it connects.
 */
public final class UntilSessionLost implements RetryPolicy {
  private final RetryPolicy retries;
  private volatile boolean lost;
  private final ConnectionStateListener listener =
      (client, state) -> {
        if (state == ConnectionState.LOST) {
          lost = true;
        } else if (state.isConnected()) {
          lost = false;
        }
      };

  public UntilSessionLost(RetryPolicy retries) {
    this.retries = retries;
  }

  /** What keeps this policy told of the connection's state. */
  public ConnectionStateListener listener() {
    return listener;
  }

  @Override
  public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
    return !lost && retries.allowRetry(retryCount, elapsedTimeMs, sleeper);
  }

  @Override
  public boolean allowRetry(Throwable exception) {
    return !lost && retries.allowRetry(exception);
  }
}
