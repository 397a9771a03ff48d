package io.switchplane.manager.leader;

import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.ZkErrors;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election through a Curator {@link LeaderLatch} at {@link StoreLayout#LEADER}, used even by
 * a lone manager so that a second one can join at any time.
 *
 * <p>The listener runs on one thread of its own, never on Curator's event thread: gaining
 * leadership loads every DVS, which can take seconds. Gain and loss calls therefore never overlap
 * and arrive in order. If {@link Listener#gained} fails (ZooKeeper trouble while loading), it is
 * retried every {@link #RETRY} for as long as the latch still says leader.
 */
public final class Leadership implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
  static final Duration RETRY = Duration.ofSeconds(1);

  /** Told when this manager gains or loses leadership. */
  public interface Listener {
    /** Became leader: load state, start pushing. May throw; it is retried. */
    void gained();

    /** No longer leader (or closing while leader): stop writing and pushing. */
    void lost();
  }

  private final LeaderLatch latch;
  private final String id;
  private final Listener listener;
  private final ScheduledExecutorService events;
  private final AtomicBoolean started = new AtomicBoolean();

  /**
   * Whether gained() completed and lost() was not called since; touched only on the events thread.
   */
  private boolean active;

  public Leadership(CuratorFramework client, String id, Listener listener) {
    this.id = id;
    this.listener = listener;
    this.latch = new LeaderLatch(client, StoreLayout.LEADER, id);
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "leadership-" + id);
              t.setDaemon(true);
              return t;
            });
    // A pending take-over retry must not hold up close().
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.events = executor;
    latch.addListener(
        new LeaderLatchListener() {
          @Override
          public void isLeader() {
            events.execute(Leadership.this::onGained);
          }

          @Override
          public void notLeader() {
            events.execute(Leadership.this::onLost);
          }
        });
  }

  /** Joins the election. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("leadership started already");
    }
    try {
      latch.start();
    } catch (Exception e) {
      throw ZkErrors.translate(e, "joining the leader election");
    }
  }

  /** This manager's id in the election. */
  public String id() {
    return id;
  }

  /** Whether the latch says this manager leads (its state may still be loading). */
  public boolean isLeader() {
    return latch.hasLeadership();
  }

  /** The current leader's id, empty while none is elected or ZooKeeper cannot say. */
  public String leaderId() {
    if (!started.get()) {
      return "";
    }
    try {
      Participant leader = latch.getLeader();
      return leader.isLeader() ? leader.getId() : "";
    } catch (Exception e) {
      SwitchplaneException se = ZkErrors.translate(e, "asking who leads");
      LOG.debug("{}", se.getMessage());
      return "";
    }
  }

  private void onGained() {
    if (active || !latch.hasLeadership()) {
      return;
    }
    try {
      listener.gained();
      active = true;
      LOG.info("manager {} is the leader", id);
    } catch (RuntimeException e) {
      LOG.warn("manager {} leads but could not take over; retrying in {}", id, RETRY, e);
      events.schedule(this::onGained, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void onLost() {
    if (!active) {
      return;
    }
    active = false;
    LOG.info("manager {} is no longer the leader", id);
    listener.lost();
  }

  /** Leaves the election; if leading, the listener is told it lost before this returns. */
  @Override
  public void close() {
    if (started.get()) {
      try {
        latch.close(LeaderLatch.CloseMode.SILENT);
      } catch (IOException | IllegalStateException e) {
        LOG.warn("closing the leader latch of {} failed", id, e);
      }
    }
    events.execute(this::onLost);
    events.shutdown();
    try {
      if (!events.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("leadership listener of {} did not finish within 30 s", id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
