package io.switchplane.manager.vcenter;

import com.vmware.vim25.ObjectUpdate;
import com.vmware.vim25.PropertyChange;
import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.PropertyFilterUpdate;
import com.vmware.vim25.UpdateSet;
import com.vmware.vim25.WaitOptions;
import com.vmware.vim25.mo.ContainerView;
import com.vmware.vim25.mo.EventHistoryCollector;
import com.vmware.vim25.mo.PropertyCollector;
import com.vmware.vim25.mo.PropertyFilter;
import com.vmware.vim25.mo.ServiceInstance;
import java.io.IOException;
import java.rmi.RemoteException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one vCenter's inventory (hosts, VMs and their NICs, port groups and their VLANs,
 * distributed switches) through yavijava, on a thread of its own, and hands every new view to an
 * {@link InventoryListener}.
 *
 * <p>How: log in ({@link VcenterSession}), create a recursive container view of the root folder
 * and one property filter over it ({@link InventoryFilter}), take the full state with
 * {@code WaitForUpdatesEx("")} (repeated while vCenter says it truncated), then wait for
 * incremental updates with the returned version, folding each batch into a new immutable
 * {@link Inventory} ({@link InventoryApplier}). A full resync is done after every (re)login and
 * every {@link Options#safetyResync()} ({@link #resyncNow()} asks for one at once).
 *
 * <p>Failures (unreachable vCenter, refused credentials, expired session, failed calls) never
 * leave the thread: they show in {@link #status()} (AUTH_FAILED for refused credentials,
 * RETRYING otherwise) with an operator-readable message, and the whole login is retried after a
 * backoff that doubles from {@link Options#initialBackoff()} to {@link Options#maxBackoff()}. The
 * last good inventory stays in {@link #inventory()} meanwhile. The password is never logged.
 *
 * <p>Lag ({@link SyncStatus#lag()}): the time from a change in vCenter, dated by the event vCenter
 * logs for it, to this tracker's view having it; see {@link LagMeter}. Changes for which vCenter
 * logs no event are not measured.
 */
public final class InventorySync implements InventorySource {
  private static final Logger log = LoggerFactory.getLogger(InventorySync.class);

  /**
   * Tuning.
   *
   * @param initialBackoff first wait after a failure, doubled after each further one
   * @param maxBackoff the longest wait between attempts
   * @param safetyResync how often a full resync is done even when nothing failed
   * @param maxWait how long one WaitForUpdatesEx call waits for changes
   * @param connectTimeout TCP connect timeout to vCenter
   */
  public record Options(Duration initialBackoff, Duration maxBackoff, Duration safetyResync, Duration maxWait,
      Duration connectTimeout) {
    public Options {
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      Objects.requireNonNull(safetyResync, "safetyResync");
      Objects.requireNonNull(maxWait, "maxWait");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      if (maxWait.toSeconds() < 1) {
        throw new IllegalArgumentException("maxWait must be at least 1 s (0 would make WaitForUpdatesEx poll)");
      }
    }

    /** 1 s doubling to 60 s, safety resync every 10 min, 20 s waits, 10 s connect timeout. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(10),
          Duration.ofSeconds(20), Duration.ofSeconds(10));
    }

    public Options withBackoff(Duration initial, Duration max) {
      return new Options(initial, max, safetyResync, maxWait, connectTimeout);
    }

    public Options withSafetyResync(Duration every) {
      return new Options(initialBackoff, maxBackoff, every, maxWait, connectTimeout);
    }

    public Options withMaxWait(Duration wait) {
      return new Options(initialBackoff, maxBackoff, safetyResync, wait, connectTimeout);
    }
  }

  private enum Phase { NEW, RUNNING, CLOSED }

  private final String name;
  private final VcenterEndpoint endpoint;
  private final InventoryListener listener;
  private final Options options;
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.NEW);
  private final CountDownLatch firstSync = new CountDownLatch(1);
  private final Object sleeper = new Object();
  private final InventoryApplier applier = new InventoryApplier();
  private final LagMeter lag = new LagMeter();
  private final SyncCounters counters = new SyncCounters();
  private volatile Inventory inventory = Inventory.EMPTY;
  private volatile SyncStatus status;
  private volatile boolean resyncRequested;
  private volatile VcenterSession current;
  private Thread thread;

  /** No I/O here: {@link #start()} begins. */
  public InventorySync(String name, VcenterEndpoint endpoint, InventoryListener listener, Options options) {
    this.name = Objects.requireNonNull(name, "name");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.options = Objects.requireNonNull(options, "options");
    this.status = counters.status(SyncStatus.State.CONNECTING, "not started", "");
  }

  public InventorySync(String name, VcenterEndpoint endpoint, InventoryListener listener) {
    this(name, endpoint, listener, Options.defaults());
  }

  /** Starts the sync thread; once only. */
  public void start() {
    if (!phase.compareAndSet(Phase.NEW, Phase.RUNNING)) {
      throw new IllegalStateException("vCenter sync " + name + " already started or closed");
    }
    thread = new Thread(this::run, "vcenter-sync-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  public SyncStatus status() {
    return status;
  }

  /** The latest view (EMPTY before the first full sync). */
  public Inventory inventory() {
    return inventory;
  }

  /** Waits for the first full sync; true when it happened within the time. */
  public boolean awaitFirstSync(Duration atMost) throws InterruptedException {
    return firstSync.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks for a full resync now (the periodic one comes anyway). */
  public void resyncNow() {
    resyncRequested = true;
    cancelWait();
  }

  /** Stops the thread and logs out; waits for it up to the connect timeout plus a few seconds. */
  @Override
  public void close() {
    Phase was = phase.getAndSet(Phase.CLOSED);
    if (was == Phase.CLOSED) {
      return;
    }
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    if (was == Phase.RUNNING) {
      cancelWait();
      thread.interrupt();
      try {
        thread.join(options.connectTimeout().plusSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    status = counters.status(SyncStatus.State.STOPPED, "", inventory.version());
  }

  private boolean closed() {
    return phase.get() == Phase.CLOSED;
  }

  /** Wakes a waiting WaitForUpdatesEx (best effort: the session may be gone). */
  private void cancelWait() {
    VcenterSession s = current;
    if (s != null) {
      try {
        s.serviceInstance().getPropertyCollector().cancelWaitForUpdates();
      } catch (RemoteException | RuntimeException e) {
        log.debug("vcenter {}: CancelWaitForUpdates failed: {}", name, e.toString());
      }
    }
  }

  private void run() {
    Duration backoff = options.initialBackoff();
    while (!closed()) {
      // While retrying, the state stays RETRYING/AUTH_FAILED with its message until an attempt works.
      if (counters.failures == 0) {
        publish(SyncStatus.State.CONNECTING, "logging in");
      }
      try (VcenterSession session = VcenterSession.open(endpoint, options.connectTimeout(),
          options.maxWait().plusSeconds(30))) {
        current = session;
        follow(session);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        if (closed()) {
          break;
        }
        counters.failures++;
        SyncFailure f = SyncFailure.of(e, endpoint);
        Duration wait = counters.failures == 1 ? options.initialBackoff() : backoff;
        backoff = min(wait.multipliedBy(2), options.maxBackoff());
        counters.nextRetry = Instant.now().plus(wait);
        publish(f.state(), f.message());
        log.warn("vcenter {}: {} (attempt {}; next in {} ms)", name, f.message(), counters.failures, wait.toMillis());
        log.debug("vcenter {}: failure detail", name, e);
        pause(wait);
        counters.nextRetry = Instant.EPOCH;
      } finally {
        current = null;
      }
    }
  }

  /** Full sync, then updates, then a full resync when due; returns only when closed. */
  private void follow(VcenterSession session) throws RemoteException {
    ServiceInstance si = session.serviceInstance();
    PropertyCollector pc = si.getPropertyCollector();
    ContainerView view = si.getViewManager().createContainerView(si.getRootFolder(), InventoryFilter.VIEW_TYPES,
        true);
    EventHistoryCollector events = null;
    try {
      events = si.getEventManager().createCollectorForEvents(InventoryFilter.events());
    } catch (RemoteException e) {
      log.warn("vcenter {}: no event collector ({}): the lag will not be measured", name, e.toString());
    }
    lag.reset(session.clockOffset());
    while (!closed()) {
      resyncRequested = false;
      List<PropertyFilter> filters = new ArrayList<>();
      for (PropertyFilterSpec spec : InventoryFilter.specs(view.getMOR())) {
        filters.add(pc.createFilter(spec, false));
      }
      if (events != null) {
        filters.add(pc.createFilter(InventoryFilter.eventSpec(events.getMOR()), false));
      }
      String version = fullSync(pc);
      Instant resyncAt = Instant.now().plus(options.safetyResync());
      while (!closed() && !resyncRequested && Instant.now().isBefore(resyncAt)) {
        // Wait no longer than the safety resync is due (whole seconds, at least 1).
        long seconds = Math.min(options.maxWait().toSeconds(),
            (Duration.between(Instant.now(), resyncAt).toMillis() + 999) / 1000);
        WaitOptions wait = new WaitOptions();
        wait.setMaxWaitSeconds((int) Math.max(1, seconds));
        UpdateSet set;
        try {
          set = pc.waitForUpdatesEx(version, wait);
        } catch (RemoteException | RuntimeException e) {
          // CancelWaitForUpdates from close() or resyncNow() ends the wait with RequestCanceled.
          if ((closed() || resyncRequested) && SyncFailure.faultType(e).equals("RequestCanceled")) {
            break;
          }
          throw e;
        }
        if (set != null) {
          version = set.getVersion();
          apply(set);
        }
      }
      for (PropertyFilter f : filters) {
        f.destroyPropertyFilter();
      }
    }
  }

  private String fullSync(PropertyCollector pc) throws RemoteException {
    long t0 = System.nanoTime();
    applier.reset();
    WaitOptions wait = new WaitOptions();
    wait.setMaxWaitSeconds((int) options.maxWait().toSeconds());
    UpdateSet set = pc.waitForUpdatesEx("", wait);
    String version = set == null ? "" : set.getVersion();
    List<UpdateSet> parts = new ArrayList<>();
    parts.add(set);
    // vCenter may split a large initial result: the rest follows at once with the version.
    while (set != null && Boolean.TRUE.equals(set.getTruncated())) {
      set = pc.waitForUpdatesEx(version, wait);
      if (set != null) {
        version = set.getVersion();
        parts.add(set);
      }
    }
    List<ObjectUpdate> all = new ArrayList<>();
    parts.forEach(p -> collect(p, all));
    applier.apply(all);
    Instant now = Instant.now();
    inventory = applier.inventory(version == null ? "" : version, now);
    counters.fullSyncs++;
    counters.lastFullSync = now;
    counters.failures = 0;
    publish(SyncStatus.State.SYNCED, "");
    log.info("vcenter {}: full sync: {} hosts, {} VMs, {} networks, {} switches in {} ms", name,
        inventory.hosts().size(), inventory.vms().size(), inventory.networks().size(), inventory.switches().size(),
        (System.nanoTime() - t0) / 1_000_000);
    tell(inventory);
    firstSync.countDown();
    return version == null ? "" : version;
  }

  private void apply(UpdateSet set) {
    List<ObjectUpdate> updates = new ArrayList<>();
    collect(set, updates);
    Set<String> changed = applier.apply(updates);
    if (changed.isEmpty()) {
      return;
    }
    Instant now = Instant.now();
    inventory = applier.inventory(set.getVersion() == null ? "" : set.getVersion(), now);
    Duration measured = lag.changed(changed, now);
    if (measured != null) {
      counters.lag = measured;
    }
    counters.updates++;
    counters.lastUpdate = now;
    publish(SyncStatus.State.SYNCED, "");
    tell(inventory);
  }

  /** Adds the inventory updates of a set to {@code into}; the event collector's go to the lag meter. */
  private void collect(UpdateSet set, List<ObjectUpdate> into) {
    if (set == null || set.getFilterSet() == null) {
      return;
    }
    for (PropertyFilterUpdate fu : set.getFilterSet()) {
      if (fu.getObjectSet() == null) {
        continue;
      }
      for (ObjectUpdate ou : fu.getObjectSet()) {
        if (ou.getObj() != null && InventoryFilter.EVENT_COLLECTOR.equals(ou.getObj().getType())) {
          if (ou.getChangeSet() != null) {
            for (PropertyChange c : ou.getChangeSet()) {
              if ("latestPage".equals(c.getName())) {
                lag.events(c.getVal());
              }
            }
          }
        } else {
          into.add(ou);
        }
      }
    }
  }

  private void tell(Inventory inv) {
    try {
      listener.changed(inv);
    } catch (RuntimeException e) {
      // A broken listener must not stop the sync; it gets the next view.
      log.warn("vcenter {}: inventory listener failed", name, e);
    }
  }

  private void publish(SyncStatus.State state, String message) {
    status = counters.status(state, message, inventory.version());
  }

  private void pause(Duration d) {
    long deadline = System.nanoTime() + d.toNanos();
    synchronized (sleeper) {
      while (!closed() && System.nanoTime() < deadline) {
        try {
          TimeUnit.NANOSECONDS.timedWait(sleeper, deadline - System.nanoTime());
        } catch (InterruptedException e) {
          // close() interrupts to end the wait; the loop sees closed().
          if (closed()) {
            return;
          }
        }
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
