package io.switchplane.vcenter;

import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.UpdateSet;
import com.vmware.vim25.WaitOptions;
import com.vmware.vim25.mo.PropertyCollector;
import com.vmware.vim25.mo.PropertyFilter;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One property collector of the tracker's own (CreatePropertyCollector) with its filters: takes
 * their full state, then waits for their updates on a thread of its own and hands each batch (or
 * the failure that ended the waiting) to a queue. Used by {@link InventorySync} for the session it
 * is opened in; {@link #close()} destroys the collector (and with it the filters).
 *
 * <p>Why collectors of its own: the govmomi 0.24 simulator re-collects every filter of a collector
 * in full for every change it reports, for every filter of that collector (changes x filters x
 * filters full collections per batch), so the VM filter, which covers every VM, is kept alone on a
 * collector; and its session's root collector is one update listener for all sessions (the last to
 * start a full sync steals the updates of the others), which a created collector is not. On a real
 * vCenter a collector per concern is the recommended way anyway.
 */
final class UpdateStream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UpdateStream.class);

  /** What the waiting thread hands over: a batch, or the failure that stopped it. */
  record Item(UpdateStream from, UpdateSet set, Exception failure) {}

  private enum Phase {
    OPEN,
    WAITING,
    CLOSED
  }

  private final String name;
  private final PropertyCollector pc;
  private final List<PropertyFilter> filters = new ArrayList<>();
  private volatile Phase phase = Phase.OPEN;
  private String version = "";

  private UpdateStream(String name, PropertyCollector pc) {
    this.name = name;
    this.pc = pc;
  }

  /**
   * Creates the collector and its filters (partialUpdates=false).
   *
   * @param root the session's root property collector
   */
  static UpdateStream open(String name, PropertyCollector root, List<PropertyFilterSpec> specs)
      throws RemoteException {
    PropertyCollector pc = root.createPropertyCollector();
    UpdateStream s = new UpdateStream(Objects.requireNonNull(name, "name"), pc);
    try {
      for (PropertyFilterSpec spec : specs) {
        s.filters.add(pc.createFilter(spec, false));
      }
    } catch (RemoteException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  String name() {
    return name;
  }

  /** The full state: WaitForUpdatesEx("") and, while vCenter says it truncated, the rest. */
  List<UpdateSet> fullState(int maxWaitSeconds) throws RemoteException {
    WaitOptions wait = new WaitOptions();
    wait.setMaxWaitSeconds(maxWaitSeconds);
    List<UpdateSet> parts = new ArrayList<>();
    UpdateSet set = pc.waitForUpdatesEx("", wait);
    version = set == null || set.getVersion() == null ? "" : set.getVersion();
    parts.add(set);
    while (set != null && Boolean.TRUE.equals(set.getTruncated())) {
      set = pc.waitForUpdatesEx(version, wait);
      if (set != null) {
        version = set.getVersion() == null ? "" : set.getVersion();
        parts.add(set);
      }
    }
    return parts;
  }

  /**
   * Starts waiting for updates after {@link #fullState}, each call waiting at most {@code
   * maxWaitSeconds}, on a daemon thread named after {@code owner} and this stream; once.
   */
  void startWaiting(String owner, int maxWaitSeconds, BlockingQueue<Item> into) {
    if (phase != Phase.OPEN) {
      throw new IllegalStateException("update stream " + name + " already waiting or closed");
    }
    phase = Phase.WAITING;
    Thread thread = new Thread(() -> waitLoop(maxWaitSeconds, into), owner + "-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void waitLoop(int maxWaitSeconds, BlockingQueue<Item> into) {
    WaitOptions wait = new WaitOptions();
    wait.setMaxWaitSeconds(maxWaitSeconds);
    try {
      while (phase == Phase.WAITING) {
        UpdateSet set = pc.waitForUpdatesEx(version, wait);
        if (set != null) {
          version = set.getVersion() == null ? "" : set.getVersion();
          log.debug(
              "update stream {}: a batch for {} filters",
              name,
              set.getFilterSet() == null ? 0 : set.getFilterSet().length);
          into.add(new Item(this, set, null));
        }
      }
    } catch (RemoteException | RuntimeException e) {
      // After close() the wait ends with RequestCanceled or a dead session: not news.
      if (phase == Phase.WAITING) {
        into.add(new Item(this, null, e));
      } else {
        log.debug("update stream {}: wait ended on close: {}", name, e.toString());
      }
    }
  }

  /**
   * Stops the waiting and destroys the collector (and its filters); best effort, the session may be
   * gone. Does not wait for the waiting thread: a wait that reached vCenter is ended by
   * CancelWaitForUpdates (and by DestroyPropertyCollector, which cancels too); one still on its way
   * finds the collector gone and fails; either way the thread then sees it is closed and ends
   * quietly.
   */
  @Override
  public void close() {
    Phase was = phase;
    phase = Phase.CLOSED;
    if (was == Phase.CLOSED) {
      return;
    }
    try {
      pc.cancelWaitForUpdates();
    } catch (RemoteException | RuntimeException e) {
      log.debug("update stream {}: CancelWaitForUpdates failed: {}", name, e.toString());
    }
    // The filters one by one first: the govmomi 0.24 simulator's DestroyPropertyCollector removes
    // them from the list it iterates and panics on the second one.
    for (PropertyFilter f : filters) {
      try {
        f.destroyPropertyFilter();
      } catch (RemoteException | RuntimeException e) {
        log.debug("update stream {}: DestroyPropertyFilter failed: {}", name, e.toString());
      }
    }
    try {
      pc.destroyPropertyCollector();
    } catch (RemoteException | RuntimeException e) {
      log.debug("update stream {}: DestroyPropertyCollector failed: {}", name, e.toString());
    }
  }
}
