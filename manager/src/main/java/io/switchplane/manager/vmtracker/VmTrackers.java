package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterRecord;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.ipam.GuestAddressPlan;
import io.switchplane.manager.ipam.NicSync;
import io.switchplane.manager.migration.Migrations;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.VcenterStore;
import io.switchplane.vcenter.InventorySource;
import io.switchplane.vcenter.VcenterEndpoint;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registered vCenters and the running {@link VmTracker}s, one per vCenter. With one leader for
 * every DVS, {@link #activate()} when leadership is gained starts a tracker for each stored
 * vCenter, {@link #deactivate()} when it is lost stops them; add, update and remove act on the
 * store first (durable), then on the running trackers.
 *
 * <p>With leadership per DVS ({@link #placeByDvsOwner}) each tracker runs on the manager that owns
 * its DVS, so that its change sets are written where that DVS is written: every manager compares
 * the stored vCenters with the DVSes it owns whenever its ownership changes and whenever a vCenter
 * record changes (a watch on the records: an add, update or remove made on any manager reaches the
 * owner within milliseconds), and every {@link #SAFETY_TICK} (a comparison that failed while
 * ZooKeeper was away is tried again).
 */
public final class VmTrackers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmTrackers.class);

  private final VcenterStore store;
  private final SecretBox secrets;
  private final ConfigService service;
  private final InventorySource.Factory sources;
  private final Clock clock;
  // Concurrent so that nudges, which come from inside commits and ZooKeeper callbacks, need no
  // lock here; every change of the map still happens under this object's lock.
  private final Map<String, VmTracker> running = new ConcurrentSkipListMap<>();
  private boolean active;

  /** Leadership per DVS: how often each manager compares without a trigger (retries only). */
  static final Duration SAFETY_TICK = Duration.ofSeconds(30);

  /** Leadership per DVS: one comparison queued at most (triggers coalesce). */
  private final java.util.concurrent.atomic.AtomicBoolean refreshQueued =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Leadership per DVS: the watch on the vCenter records, once placed; closed with this. */
  private VcenterStore.Watch recordWatch; // guarded by this

  /** The stored revision of each running tracker's vCenter (a newer one restarts it). */
  private final Map<String, Integer> revisions = new HashMap<>();

  /** Leadership per DVS: whether this manager owns a DVS (by id); null: one leader runs all. */
  private volatile Predicate<String> ownsDvs;

  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vmtracker-placement");
            t.setDaemon(true);
            return t;
          });

  /** The NIC-record sync, once wired (see {@link #syncNicRecordsWith}); runs on its own thread. */
  private volatile NicSync nicSync;

  /** The migrations the trackers make when vCenter moves a VM, once wired. */
  private volatile Migrations migrations;

  private final java.util.concurrent.ExecutorService nicThread =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "nic-sync");
            t.setDaemon(true);
            return t;
          });
  private final java.util.concurrent.atomic.AtomicBoolean nicPending =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile NicSync.Result lastNicSync;

  public VmTrackers(
      VcenterStore store,
      SecretBox secrets,
      ConfigService service,
      InventorySource.Factory sources,
      Clock clock) {
    this.store = store;
    this.secrets = secrets;
    this.service = service;
    this.sources = sources;
    this.clock = clock;
  }

  /**
   * Became leader: follow every stored vCenter. A vCenter that cannot start is logged, not fatal.
   */
  public synchronized void activate() {
    active = true;
    List<VcenterRecord> records;
    try {
      records = store.list();
    } catch (SwitchplaneException e) {
      LOG.error(
          "cannot read the registered vCenters; the VM tracker is idle until the next leadership: {}",
          e.getMessage());
      return;
    }
    for (VcenterRecord r : records) {
      try {
        startTracker(r);
      } catch (SwitchplaneException e) {
        LOG.error("vCenter {} is not followed: {}", r.getVcenter().getName(), e.getMessage());
      }
    }
  }

  /**
   * Leadership per DVS: from now on each tracker runs on this manager exactly while ownsDvs says it
   * owns the tracker's DVS; starts following (as {@link #activate}) and refreshing.
   */
  public void placeByDvsOwner(Predicate<String> owns) {
    this.ownsDvs = owns;
    synchronized (this) {
      active = true;
      recordWatch = store.watch(this::refreshSoon);
    }
    refresher.scheduleWithFixedDelay(
        this::refreshSafely, 0, SAFETY_TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Leadership per DVS: this manager gained or lost a DVS; compare soon. Never blocks. */
  public void ownershipChanged() {
    refreshSoon();
  }

  /** Leadership per DVS: compares soon on the placement thread, coalesced. Never blocks. */
  private void refreshSoon() {
    if (ownsDvs == null || !refreshQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      refresher.execute(this::refreshSafely);
    } catch (RejectedExecutionException e) {
      refreshQueued.set(false); // closed
    }
  }

  private void refreshSafely() {
    refreshQueued.set(false);
    try {
      refresh();
    } catch (SwitchplaneException e) {
      LOG.warn("cannot compare the registered vCenters with the owned DVSes: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("cannot compare the registered vCenters with the owned DVSes", e);
    }
  }

  /**
   * Leadership per DVS: starts the tracker of every stored vCenter whose DVS this manager owns (or
   * restarts it when its record has a newer revision), stops every other.
   */
  synchronized void refresh() {
    if (!active || ownsDvs == null) {
      return;
    }
    Set<String> here = new HashSet<>();
    for (VcenterRecord r : store.list()) {
      String name = r.getVcenter().getName();
      if (!runsHere(r)) {
        continue;
      }
      here.add(name);
      Integer revision = revisions.get(name);
      if (running.containsKey(name)
          && revision != null
          && revision == r.getVcenter().getRevision()) {
        continue;
      }
      try {
        startTracker(r);
        LOG.info("vCenter {} followed here: this manager owns its DVS", name);
      } catch (SwitchplaneException e) {
        LOG.error("vCenter {} is not followed: {}", name, e.getMessage());
      }
    }
    for (String name : Set.copyOf(running.keySet())) {
      if (!here.contains(name)) {
        stopTracker(name);
        LOG.info("vCenter {} no longer followed here: its DVS is owned elsewhere", name);
      }
    }
  }

  /** Whether r's tracker runs on this manager (leadership per DVS: it owns r's DVS). */
  private boolean runsHere(VcenterRecord r) {
    Predicate<String> owns = ownsDvs;
    if (owns == null) {
      return true;
    }
    return service.storedDvsId(r.getVcenter().getTracker().getDvs()).map(owns::test).orElse(false);
  }

  private void stopTracker(String name) {
    VmTracker t = running.remove(name);
    revisions.remove(name);
    if (t != null) {
      t.close();
    }
  }

  /** Lets every tracker reconcile be followed by a NIC-record sync over all followed vCenters. */
  public void syncNicRecordsWith(NicSync sync) {
    this.nicSync = sync;
  }

  /** Trackers started from now on move VMs' ports when vCenter moves the VMs. */
  public void followMigrationsWith(Migrations migrations) {
    this.migrations = migrations;
  }

  /**
   * Runs a NIC-record sync soon on its own thread, coalesced with one pending; nothing on a manager
   * that follows no vCenter. Never blocks, never throws.
   */
  public void syncNicRecordsSoon() {
    if (nicSync == null || running.isEmpty() || !nicPending.compareAndSet(false, true)) {
      return;
    }
    try {
      nicThread.execute(this::syncNicRecords);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      nicPending.set(false);
    }
  }

  /** Runs a NIC-record sync now on the caller's thread (tests, bench); null when none is wired. */
  public NicSync.Result syncNicRecordsNow() {
    NicSync sync = nicSync;
    if (sync == null) {
      return null;
    }
    List<VmTracker> trackers = List.copyOf(running.values());
    List<GuestAddressPlan.Observed> nics = new java.util.ArrayList<>();
    boolean complete = !trackers.isEmpty();
    for (VmTracker t : trackers) {
      complete &= t.synced();
      nics.addAll(t.guestNics());
    }
    NicSync.Result r = sync.sync(nics, complete);
    lastNicSync = r;
    return r;
  }

  /** What the last NIC-record sync did; null before the first. */
  public NicSync.Result lastNicSync() {
    return lastNicSync;
  }

  /**
   * The VM NICs of every followed vCenter as IPAM sees them (none on a manager that does not lead).
   */
  public List<GuestAddressPlan.Observed> guestNics() {
    List<GuestAddressPlan.Observed> out = new java.util.ArrayList<>();
    for (VmTracker t : running.values()) {
      out.addAll(t.guestNics());
    }
    return out;
  }

  private void syncNicRecords() {
    nicPending.set(false);
    try {
      syncNicRecordsNow();
    } catch (RuntimeException e) {
      // The next tracker reconcile (at the latest the safety tick) runs it again.
      LOG.warn("NIC-record sync failed: {}", e.toString());
    }
  }

  /** Lost leadership: stop following; the next leader takes over. */
  public synchronized void deactivate() {
    active = false;
    running.values().forEach(VmTracker::close);
    running.clear();
    revisions.clear();
  }

  /**
   * Registers vc and starts following it. INVALID_ARGUMENT for bad settings, NOT_FOUND for an
   * unknown DVS, FAILED_PRECONDITION for a missing trust store, ALREADY_EXISTS for a taken name.
   */
  public synchronized Vcenter add(Vcenter requested, String password) {
    service.checkLeader();
    if (password.isEmpty()) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': password is empty (give --password-file or "
              + "SWITCHPLANE_VCENTER_PASSWORD)",
          requested.getName());
    }
    Vcenter vc = checked(requested);
    VcenterRecord record =
        VcenterRecord.newBuilder()
            .setVcenter(vc)
            .setAddedMs(clock.millis())
            .setSealedPassword(
                com.google.protobuf.ByteString.copyFrom(secrets.seal(password, vc.getName())))
            .build();
    store.create(record);
    LOG.info("vCenter {} added ({} as {})", vc.getName(), vc.getUrl(), vc.getUser());
    if (ownsDvs != null) {
      refreshSafely(); // here if this manager owns its DVS, else on its owner by the watch
    } else if (active) {
      startTracker(record);
    }
    return vc.toBuilder().setRevision(1).build();
  }

  /**
   * Replaces the settings of a registered vCenter (the password too unless empty) and restarts its
   * tracker with them. The same refusals as {@link #add}, NOT_FOUND for an unknown name, and
   * ABORTED when expectedRevision (non-zero) is not the stored one. A tracker moved to another DVS
   * leaves the old DVS's uplinks as they are, as {@link #remove} does.
   */
  public synchronized Vcenter update(Vcenter requested, String password, int expectedRevision) {
    service.checkLeader();
    VcenterRecord current =
        store
            .find(requested.getName())
            .orElseThrow(
                () ->
                    SwitchplaneException.notFound(
                        "vCenter '%s' not found; 'switchplane vcenter list' shows the registered ones",
                        requested.getName()));
    if (expectedRevision != 0 && expectedRevision != current.getVcenter().getRevision()) {
      throw SwitchplaneException.aborted(
          "vCenter '%s' is at revision %d, not %d: it was changed by someone else; "
              + "read it again ('switchplane vcenter list') and retry",
          requested.getName(), current.getVcenter().getRevision(), expectedRevision);
    }
    Vcenter vc = checked(requested);
    VcenterRecord.Builder changed = current.toBuilder().setVcenter(vc);
    if (!password.isEmpty()) {
      changed.setSealedPassword(
          com.google.protobuf.ByteString.copyFrom(secrets.seal(password, vc.getName())));
    }
    VcenterRecord record = changed.build();
    store.replace(record, current.getVcenter().getRevision());
    LOG.info(
        "vCenter {} changed ({} as {}{})",
        vc.getName(),
        vc.getUrl(),
        vc.getUser(),
        password.isEmpty() ? "" : ", new password");
    if (ownsDvs != null) {
      refreshSafely();
    } else if (active) {
      startTracker(record);
    }
    return vc.toBuilder().setRevision(current.getVcenter().getRevision() + 1).build();
  }

  /** vc normalized, with its settings and DVS checked and its DVS free of other trackers. */
  private Vcenter checked(Vcenter requested) {
    Vcenter vc = normalized(requested);
    TrackerConfig.of(vc);
    String dvsId = service.config(vc.getTracker().getDvs()).id();
    for (VcenterRecord other : store.list()) {
      if (!other.getVcenter().getName().equals(vc.getName()) && dvsId.equals(dvsIdOrEmpty(other))) {
        throw SwitchplaneException.precondition(
            "DVS '%s' is already provisioned by the tracker of vCenter '%s'; one "
                + "tracker per DVS",
            vc.getTracker().getDvs(), other.getVcenter().getName());
      }
    }
    return vc;
  }

  public synchronized void remove(String name) {
    service.checkLeader();
    store.delete(name);
    stopTracker(name);
    LOG.info("vCenter {} removed", name);
  }

  public List<Vcenter> list() {
    return store.list().stream().map(VcenterRecord::getVcenter).toList();
  }

  /**
   * The running tracker of name, empty on a manager that does not lead; NOT_FOUND for an unknown
   * name.
   */
  public synchronized Optional<VmTracker> tracker(String name) {
    VmTracker t = running.get(name);
    if (t == null && store.find(name).isEmpty()) {
      throw SwitchplaneException.notFound(
          "vCenter '%s' not found; 'switchplane vcenter list' shows the registered " + "ones",
          name);
    }
    return Optional.ofNullable(t);
  }

  /**
   * Tells the trackers of the changed DVS to plan again now rather than at their safety tick: a
   * host joined, a counterpart port group appeared, the uplinks were changed by hand. Never blocks
   * (it runs inside the commit).
   */
  public CommitListener commitListener() {
    return new CommitListener() {
      @Override
      public void committed(CommittedChange change, PushIntent intent) {
        nudge(change.after());
      }

      @Override
      public void decided(
          String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {
        // An abort is a commit of its own, told through committed.
      }

      @Override
      public void deleted(DvsConfig last) {
        nudge(last);
      }
    };
  }

  /**
   * A host was registered, changed or unregistered: every tracker maps hosts by name. Never blocks.
   */
  public void hostsChanged() {
    running.values().forEach(VmTracker::nudge);
  }

  private void nudge(DvsConfig dvs) {
    for (VmTracker t : running.values()) {
      String ref = t.config().dvs();
      if (ref.equals(dvs.id()) || ref.equals(dvs.dvs().getName())) {
        t.nudge();
      }
    }
  }

  public synchronized List<VmTracker> trackers() {
    return List.copyOf(running.values());
  }

  private void startTracker(VcenterRecord r) {
    Vcenter vc = r.getVcenter();
    TrackerConfig config = TrackerConfig.of(vc);
    String password = secrets.unseal(r.getSealedPassword().toByteArray(), vc.getName());
    VcenterEndpoint endpoint =
        new VcenterEndpoint(
            url(vc.getUrl()),
            vc.getUser(),
            password,
            vc.getInsecure(),
            vc.getTrustStore().isEmpty() ? null : Path.of(vc.getTrustStore()));
    VmTracker t =
        new VmTracker(config, endpoint, sources, service, clock, this::syncNicRecordsSoon);
    Migrations m = migrations;
    if (m != null) {
      t.followMigrationsWith(m);
    }
    VmTracker old = running.put(vc.getName(), t);
    revisions.put(vc.getName(), vc.getRevision());
    if (old != null) {
      old.close();
    }
    t.start();
  }

  /** The DVS id r provisions; "" when its DVS was deleted (it then holds none). */
  private String dvsIdOrEmpty(VcenterRecord r) {
    return service.findConfig(r.getVcenter().getTracker().getDvs()).map(DvsConfig::id).orElse("");
  }

  static Vcenter normalized(Vcenter vc) {
    if (vc.getUser().isBlank()) {
      throw SwitchplaneException.invalid("vCenter '%s': user is empty (--user)", vc.getName());
    }
    if (vc.getInsecure() && !vc.getTrustStore().isEmpty()) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': give --insecure or --trust-store, not both", vc.getName());
    }
    if (!vc.getTrustStore().isEmpty() && !Files.isReadable(Path.of(vc.getTrustStore()))) {
      throw SwitchplaneException.precondition(
          "vCenter '%s': trust store %s is not readable on this manager",
          vc.getName(), vc.getTrustStore());
    }
    URI uri;
    try {
      uri = new URI(vc.getUrl().strip());
    } catch (URISyntaxException e) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': URL '%s' is not valid: %s", vc.getName(), vc.getUrl(), e.getMessage());
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': URL '%s' must be http(s)://HOST[:PORT][/sdk]", vc.getName(), vc.getUrl());
    }
    String path =
        uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")
            ? "/sdk"
            : uri.getPath();
    String url =
        uri.getScheme()
            + "://"
            + uri.getHost()
            + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
            + path;
    return vc.toBuilder().setUrl(url).clearRevision().build();
  }

  private static URL url(String url) {
    try {
      return new URI(url).toURL();
    } catch (URISyntaxException | MalformedURLException e) {
      throw SwitchplaneException.invalid("URL '%s' is not valid: %s", url, e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    refresher.shutdownNow();
    if (recordWatch != null) {
      recordWatch.close();
      recordWatch = null;
    }
    deactivate();
    nicThread.shutdownNow();
  }
}
