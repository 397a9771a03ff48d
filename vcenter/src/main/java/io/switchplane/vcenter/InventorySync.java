package io.switchplane.vcenter;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectUpdate;
import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.UpdateSet;
import com.vmware.vim25.mo.EventHistoryCollector;
import com.vmware.vim25.mo.PropertyCollector;
import com.vmware.vim25.mo.ServiceInstance;
import java.io.IOException;
import java.rmi.RemoteException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one vCenter's inventory (hosts, VMs and their NICs, port groups and their VLANs,
 * distributed switches) through yavijava, on a thread of its own, and hands every new view to an
 * {@link InventoryListener}.
 *
 * <p>How: log in ({@link VcenterSession}), create a recursive container view of the root folder per
 * followed type and a property filter over each ({@link InventoryFilter}), on two property
 * collectors of the tracker's own ({@link UpdateStream}: the VM filter alone on one, the other
 * types and the event collector on the other), take their full state with {@code
 * WaitForUpdatesEx("")} (repeated while vCenter says it truncated), then wait for incremental
 * updates on each collector (a thread per collector), folding each batch, on this tracker's thread,
 * into a new immutable {@link Inventory} ({@link InventoryApplier}). A full resync is done after
 * every (re)login and every {@link SyncOptions#safetyResync()} ({@link #resyncNow()} asks for one
 * at once).
 *
 * <p>Failures (unreachable vCenter, refused credentials, expired session, failed calls) never leave
 * the thread: they show in {@link #status()} (AUTH_FAILED for refused credentials, RETRYING
 * otherwise) with an operator-readable message, and the whole login is retried after a backoff that
 * doubles from {@link SyncOptions#initialBackoff()} to {@link SyncOptions#maxBackoff()}. The last
 * good inventory stays in {@link #inventory()} meanwhile. The password is never logged.
 *
 * <p>Lag ({@link SyncStatus#lag()}): the time from a change in vCenter, dated by the event vCenter
 * logs for it, to this tracker's view having it; see {@link LagMeter}. Changes for which vCenter
 * logs no event are not measured.
 */
public final class InventorySync implements InventorySource {
  private static final Logger log = LoggerFactory.getLogger(InventorySync.class);

  private enum Phase {
    NEW,
    RUNNING,
    CLOSED
  }

  private final String name;
  private final VcenterEndpoint endpoint;
  private final InventoryListener listener;
  private final SyncOptions options;
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.NEW);
  private final CountDownLatch firstSync = new CountDownLatch(1);
  private final Object sleeper = new Object();
  private final InventoryApplier applier = new InventoryApplier();
  private final LagMeter lag = new LagMeter();
  private final SyncCounters counters = new SyncCounters();
  private volatile Inventory inventory = Inventory.EMPTY;
  private volatile SyncStatus status;
  private volatile boolean resyncRequested;

  /** What the update streams hand to the sync thread; WAKE only wakes it (close, resync). */
  private final BlockingQueue<UpdateStream.Item> arrivals = new LinkedBlockingQueue<>();

  private static final UpdateStream.Item WAKE = new UpdateStream.Item(null, null, null);

  /** Collector version per stream, for the inventory's version; the sync thread's. */
  private final Map<String, String> versions = new LinkedHashMap<>();

  private Thread thread;

  /** No I/O here: {@link #start()} begins. */
  public InventorySync(
      String name, VcenterEndpoint endpoint, InventoryListener listener, SyncOptions options) {
    this.name = Objects.requireNonNull(name, "name");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.options = Objects.requireNonNull(options, "options");
    this.status = counters.status(SyncStatus.State.CONNECTING, "not started", "");
  }

  public InventorySync(String name, VcenterEndpoint endpoint, InventoryListener listener) {
    this(name, endpoint, listener, SyncOptions.defaults());
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

  /** Wakes the sync thread waiting for updates; it then stops its update streams. */
  private void cancelWait() {
    arrivals.add(WAKE);
  }

  private void run() {
    Duration backoff = options.initialBackoff();
    while (!closed()) {
      // While retrying, the state stays RETRYING/AUTH_FAILED with its message until an attempt
      // works.
      if (counters.failures == 0) {
        publish(SyncStatus.State.CONNECTING, "logging in");
      }
      try (VcenterSession session =
          VcenterSession.open(
              endpoint, options.connectTimeout(), options.maxWait().plusSeconds(30))) {
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
        log.warn(
            "vcenter {}: {} (attempt {}; next in {} ms)",
            name,
            f.message(),
            counters.failures,
            wait.toMillis());
        log.debug("vcenter {}: failure detail", name, e);
        pause(wait);
        counters.nextRetry = Instant.EPOCH;
      }
    }
  }

  /** Full sync, then updates, then a full resync when due; returns only when closed. */
  private void follow(VcenterSession session) throws RemoteException {
    ServiceInstance si = session.serviceInstance();
    EventHistoryCollector events = null;
    try {
      events = si.getEventManager().createCollectorForEvents(InventoryFilter.events());
    } catch (RemoteException e) {
      log.warn(
          "vcenter {}: no event collector ({}): the lag will not be measured", name, e.toString());
    }
    try {
      follow(session, events);
    } finally {
      // Destroyed, not left to the logout: the govmomi simulator keeps event collectors past
      // their session (each then adds an update to every later batch, up to 1,000 collectors,
      // after which none can be created).
      if (events != null) {
        try {
          events.destroyCollector();
        } catch (RemoteException | RuntimeException e) {
          log.debug("vcenter {}: DestroyCollector failed: {}", name, e.toString());
        }
      }
    }
  }

  private void follow(VcenterSession session, EventHistoryCollector events) throws RemoteException {
    ServiceInstance si = session.serviceInstance();
    PropertyCollector root = si.getPropertyCollector();
    List<ManagedObjectReference> views = new ArrayList<>();
    for (String type : InventoryFilter.TYPES) {
      views.add(
          si.getViewManager()
              .createContainerView(si.getRootFolder(), new String[] {type}, true)
              .getMOR());
    }
    // The VM filter alone on a collector (see UpdateStream), the other types and the events on
    // another.
    List<PropertyFilterSpec> rest = new ArrayList<>();
    for (int i = 1; i < views.size(); i++) {
      rest.add(InventoryFilter.spec(InventoryFilter.TYPES.get(i), views.get(i)));
    }
    if (events != null) {
      rest.add(InventoryFilter.eventSpec(events.getMOR()));
    }
    lag.reset(session.clockOffset());
    while (!closed()) {
      resyncRequested = false;
      arrivals.clear();
      UpdateStream vms =
          UpdateStream.open(
              "vms",
              root,
              List.of(InventoryFilter.spec(InventoryFilter.TYPES.get(0), views.get(0))));
      UpdateStream others = null;
      try {
        others = UpdateStream.open("rest", root, rest);
        followStreams(List.of(vms, others));
      } finally {
        vms.close();
        if (others != null) {
          others.close();
        }
      }
    }
  }

  /** A full sync of the streams, then their updates until closed, a resync is asked for or due. */
  private void followStreams(List<UpdateStream> streams) throws RemoteException {
    fullSync(streams);
    for (UpdateStream s : streams) {
      s.startWaiting(thread.getName(), (int) options.maxWait().toSeconds(), arrivals);
    }
    Instant resyncAt = Instant.now().plus(options.safetyResync());
    while (!closed() && !resyncRequested) {
      long left = Duration.between(Instant.now(), resyncAt).toMillis();
      if (left <= 0) {
        return;
      }
      UpdateStream.Item item;
      try {
        item = arrivals.poll(left, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // close() interrupts to end the wait; the loop sees closed().
        continue;
      }
      // A batch a closed stream's thread handed over late belongs to a former full sync.
      if (item == null || item == WAKE || !streams.contains(item.from())) {
        continue;
      }
      if (item.failure() instanceof RemoteException r) {
        throw r;
      }
      if (item.failure() instanceof RuntimeException r) {
        throw r;
      }
      versions.put(
          item.from().name(), item.set().getVersion() == null ? "" : item.set().getVersion());
      apply(item.set());
    }
  }

  private void fullSync(List<UpdateStream> streams) throws RemoteException {
    long t0 = System.nanoTime();
    applier.reset();
    versions.clear();
    List<ObjectUpdate> all = new ArrayList<>();
    for (UpdateStream s : streams) {
      String version = "";
      for (UpdateSet part : s.fullState((int) options.maxWait().toSeconds())) {
        lag.split(part, all);
        if (part != null && part.getVersion() != null) {
          version = part.getVersion();
        }
      }
      versions.put(s.name(), version);
    }
    applier.apply(all);
    Instant now = Instant.now();
    inventory = applier.inventory(version(), now);
    counters.fullSyncs++;
    counters.lastFullSync = now;
    counters.failures = 0;
    publish(SyncStatus.State.SYNCED, "");
    log.info(
        "vcenter {}: full sync: {} hosts, {} VMs, {} networks, {} switches in {} ms",
        name,
        inventory.hosts().size(),
        inventory.vms().size(),
        inventory.networks().size(),
        inventory.switches().size(),
        (System.nanoTime() - t0) / 1_000_000);
    tell(inventory);
    firstSync.countDown();
  }

  /** The collector versions of the streams, in stream order ("vms/rest"). */
  private String version() {
    return String.join("/", versions.values());
  }

  private void apply(UpdateSet set) {
    List<ObjectUpdate> updates = new ArrayList<>();
    Duration eventLag = lag.split(set, updates);
    Set<String> changed = applier.apply(updates);
    Instant now = Instant.now();
    if (eventLag != null) {
      counters.lag = eventLag;
    }
    if (changed.isEmpty()) {
      if (eventLag != null) {
        publish(SyncStatus.State.SYNCED, "");
      }
      return;
    }
    inventory = applier.inventory(version(), now);
    Duration measured = lag.changed(changed, now);
    if (measured != null) {
      counters.lag = measured;
    }
    counters.updates++;
    counters.lastUpdate = now;
    publish(SyncStatus.State.SYNCED, "");
    tell(inventory);
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
