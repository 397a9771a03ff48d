package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.retry.Backoff;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.migration.Migrations;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.InventorySource;
import io.switchplane.vcenter.SyncStatus;
import io.switchplane.vcenter.VcenterEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one vCenter and keeps the uplinks of its hosts on exactly the VLANs they need.
 *
 * <p>Every new inventory, and a periodic tick (the Switchplane side changes too: hosts join, port
 * groups appear), schedules one reconcile on the tracker's own thread; reconciles coalesce, so a
 * burst of vCenter updates makes one change set. A reconcile plans ({@link TrackerPlanner}), diffs
 * the uplink ports ({@link UplinkPorts}) and commits the difference through the normal change-set
 * path with a confirm timeout, so a provisioning step that cuts a host reverts on the host like any
 * other change. A change set that loses a race with an operator's (ABORTED) is planned again at
 * once; any other failure is retried with backoff and shown in the status.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} once or more.
 */
public final class VmTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmTracker.class);
  // A safety net only: inventory updates, DVS commits and host registry changes each nudge the
  // tracker at once (see VmTrackers), so the tick catches only what no nudge told.
  static final Duration SAFETY_TICK = Duration.ofSeconds(60);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  /** The last provisioning attempt, for the status. */
  public record Provisioning(long generation, Instant at, String error) {
    static final Provisioning NONE = new Provisioning(0, Instant.EPOCH, "");
  }

  private final TrackerConfig config;
  private final ConfigService service;
  private final InventorySource source;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Runnable reconciled;
  private final AtomicBoolean pending = new AtomicBoolean();
  private State state = State.NEW;
  private volatile TrackerView view = TrackerView.EMPTY;
  private volatile Provisioning provisioning = Provisioning.NONE;
  private volatile Migrations migrations;

  /** Provisioning retries: 1 s, doubling up to MAX_BACKOFF; reset by a success. */
  private final Backoff retries = new Backoff(Duration.ofSeconds(1), MAX_BACKOFF);

  public VmTracker(
      TrackerConfig config,
      VcenterEndpoint endpoint,
      InventorySource.Factory sources,
      ConfigService service,
      Clock clock,
      Runnable reconciled) {
    this.reconciled = Objects.requireNonNull(reconciled, "reconciled");
    this.config = Objects.requireNonNull(config, "config");
    this.service = Objects.requireNonNull(service, "service");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.source = sources.open(config.vcenter(), endpoint, inventory -> schedule(Duration.ZERO));
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vmtracker-" + config.vcenter());
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized VmTracker start() {
    if (state != State.NEW) {
      throw new IllegalStateException(
          "tracker of " + config.vcenter() + " is " + state + "; start() works once");
    }
    state = State.STARTED;
    thread.scheduleWithFixedDelay(
        () -> schedule(Duration.ZERO),
        SAFETY_TICK.toMillis(),
        SAFETY_TICK.toMillis(),
        TimeUnit.MILLISECONDS);
    source.start();
    LOG.info(
        "VM tracker of vCenter {} started (DVS {}, uplink port group {}, pinned VLANs {})",
        config.vcenter(),
        config.dvs(),
        config.uplinkPortGroup(),
        config.pinned());
    return this;
  }

  public TrackerConfig config() {
    return config;
  }

  public SyncStatus syncStatus() {
    return source.status();
  }

  public Inventory inventory() {
    return source.inventory();
  }

  /** The VM NICs of the latest inventory as IPAM sees them (see {@link GuestNics}). */
  public java.util.List<io.switchplane.ipam.GuestAddressPlan.Observed> guestNics() {
    return GuestNics.of(source.inventory(), config, service.findConfig(config.dvs()));
  }

  /** Whether the inventory is a complete, current view (the sync is SYNCED). */
  public boolean synced() {
    return !source.inventory().syncedAt().equals(Instant.EPOCH)
        && source.status().state() == SyncStatus.State.SYNCED;
  }

  /** The view of the last reconcile. */
  public TrackerView view() {
    return view;
  }

  public Provisioning provisioning() {
    return provisioning;
  }

  /** Plans again soon on the tracker's thread (coalesced with any pending plan); never blocks. */
  public void nudge() {
    schedule(Duration.ZERO);
  }

  /** Runs a reconcile now, on the tracker's thread, and waits for it (tests and show --refresh). */
  public void reconcileNow() {
    try {
      thread.submit(this::reconcile).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SwitchplaneException.unavailable(
          "interrupted while reconciling the tracker of %s", config.vcenter());
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "reconcile of " + config.vcenter() + " failed: " + e, e);
    }
  }

  private void schedule(Duration delay) {
    if (pending.compareAndSet(false, true)) {
      try {
        thread.schedule(this::reconcile, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
        LOG.debug("tracker of {} is closed; update not reconciled", config.vcenter());
      }
    }
  }

  /**
   * From now on, a VM that vCenter moved to another member host has its ports moved too ({@link
   * MigrationFollower}); set before {@link #start}.
   */
  public void followMigrationsWith(Migrations migrations) {
    this.migrations = migrations;
  }

  private void reconcile() {
    try {
      provision();
      followMigrations();
    } finally {
      reconciled.run(); // the NIC-record sync follows every new view too; it never throws
    }
  }

  private void provision() {
    pending.set(false);
    Inventory inv = source.inventory();
    try {
      Optional<DvsConfig> dvs = service.findConfig(config.dvs());
      TrackerView planned = TrackerPlanner.plan(inv, config, dvs, service::findHost);
      view = planned;
      if (dvs.isEmpty() || inv.syncedAt().equals(Instant.EPOCH)) {
        return;
      }
      List<ChangeOp> ops = UplinkPorts.ops(config, dvs.get(), planned.hosts());
      if (ops.isEmpty()) {
        retries.reset();
        return;
      }
      ConfigService.CommitResult r =
          Caller.system("vmtracker:" + config.vcenter())
              .supply(
                  () ->
                      service.commit(
                          dvs.get().id(),
                          ops,
                          dvs.get().generation(),
                          "vmtracker "
                              + config.vcenter()
                              + ": "
                              + ops.size()
                              + " uplink port change(s)",
                          config.commit()));
      provisioning = new Provisioning(r.generation(), clock.instant(), "");
      retries.reset();
      LOG.info(
          "VM tracker of {}: {} uplink port change(s) committed at generation {}",
          config.vcenter(),
          ops.size(),
          r.generation());
    } catch (SwitchplaneException e) {
      if (e.code() == ErrorCode.ABORTED) {
        LOG.debug("tracker of {}: DVS changed while planning; planning again", config.vcenter());
        schedule(Duration.ZERO);
        return;
      }
      Duration backoff = retries.next();
      provisioning = new Provisioning(provisioning.generation(), clock.instant(), e.getMessage());
      LOG.warn(
          "VM tracker of {}: provisioning failed ({}); retrying in {} ms",
          config.vcenter(),
          e.getMessage(),
          backoff.toMillis());
      schedule(backoff);
    } catch (RuntimeException e) {
      retries.next(); // counted: the next failure waits longer; this one waits the longest
      provisioning =
          new Provisioning(provisioning.generation(), clock.instant(), "internal error: " + e);
      LOG.error("VM tracker of {}: reconcile failed", config.vcenter(), e);
      schedule(MAX_BACKOFF);
    }
  }

  /**
   * Moves the ports of the VMs vCenter moved; after provisioning, so the VLAN needs moved first.
   */
  private void followMigrations() {
    Migrations m = migrations;
    if (m == null || source.inventory().syncedAt().equals(Instant.EPOCH)) {
      return;
    }
    try {
      Optional<DvsConfig> dvs = service.findConfig(config.dvs());
      if (dvs.isEmpty()) {
        return;
      }
      Map<String, String> moves = MigrationFollower.moves(view, dvs.get());
      if (!moves.isEmpty()) {
        Caller.system("vmtracker:" + config.vcenter())
            .supply(
                () -> {
                  MigrationFollower.follow(m, config.vcenter(), moves);
                  return moves.size();
                });
      }
    } catch (RuntimeException e) {
      LOG.error("VM tracker of {}: following vCenter's migrations failed", config.vcenter(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    thread.shutdownNow();
    source.close();
    LOG.info("VM tracker of vCenter {} stopped", config.vcenter());
  }
}
