package io.switchplane.manager.owners;

import io.prometheus.metrics.core.metrics.Counter;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.OwnerStore;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.ZkErrors;
import io.switchplane.rpc.metrics.Metrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership per DVS: which DVSes this manager owns, claimed and released through {@link
 * OwnerStore} so that each DVS has exactly one owner at a time, spread over the live managers
 * ({@link ManagerRegistry}) by {@link OwnershipRule}.
 *
 * <p>How ownership moves: every manager computes the rule's target from what ZooKeeper shows it
 * (live managers, DVS ids) and then
 *
 * <ul>
 *   <li>stops (listener {@link Listener#lost}) and releases every DVS it holds whose target is
 *       another manager, whose record another manager changed, or that was deleted;
 *   <li>claims every DVS whose target it is, once the record is released, never claimed, or held by
 *       a manager that is no longer live (its session expired: ZooKeeper removed its ephemeral
 *       registration). A claim is a version-checked write: of two claimers one wins. After a claim
 *       the listener's {@link Listener#gained} loads the DVS and starts pushing; a failure there is
 *       retried at the next evaluation, keeping the claim.
 * </ul>
 *
 * <p>Fencing: the epoch of a held DVS ({@link #epoch}) is what every ZooKeeper write for it checks
 * and every push carries. On a SUSPENDED or LOST connection, {@link #epoch} answers empty at once
 * (on Curator's thread, before anything else runs) and every held DVS is then given up: ZooKeeper's
 * client sees the disconnection after 2/3 of the session timeout, before the server can expire the
 * session and let another manager claim. Agents refuse pushes with an older epoch than they have
 * seen, and ZooKeeper refuses writes checked at an old epoch, so a manager that missed all of this
 * still cannot change anything once the new owner acted.
 *
 * <p>Lifecycle: constructed (no I/O), {@link #start()} once, {@link #close()}: stops every held
 * DVS, deregisters, then releases them so the others claim at once (a clean hand-over, no wait for
 * a session expiry). Evaluations run on one thread of their own, triggered by ZooKeeper changes and
 * every {@link #TICK}; listener calls therefore never overlap.
 */
public final class DvsOwnership implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DvsOwnership.class);

  /** How often ownership is evaluated without a trigger (retries, safety net). */
  static final Duration TICK = Duration.ofSeconds(1);

  /** Told when this manager gains or loses a DVS. Calls never overlap. */
  public interface Listener {
    /**
     * This manager now owns dvsId at epoch ({@link #epoch} answers it already): load it, finish its
     * in-flight confirms, push. May throw; then {@link #lost} is called to undo what it did, and it
     * is retried.
     */
    void gained(String dvsId, long epoch);

    /** No longer the owner of dvsId: stop writing and pushing it before returning. */
    void lost(String dvsId);
  }

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final CuratorFramework client;
  private final ManagerRegistry registry;
  private final OwnerStore owners;
  private final Listener listener;
  private final ScheduledThreadPoolExecutor events;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final AtomicBoolean queued = new AtomicBoolean();
  private final Counter changes;

  /** Held and loaded: DVS id to epoch. Written on the events thread only. */
  private final Map<String, Long> active = new ConcurrentHashMap<>();

  /** Claimed but not yet loaded (gained() failed): retried. Events thread only. */
  private final Map<String, Long> claimed = new ConcurrentHashMap<>();

  private final CuratorWatcher dvsWatch = e -> trigger();
  private final ConnectionStateListener connection = (c, s) -> connectionChanged(s);

  /** False from a SUSPENDED or LOST connection until RECONNECTED: nothing is held meanwhile. */
  private volatile boolean connected = true;

  /** SUSPENDED or LOST connections so far. */
  private volatile long losses;

  /**
   * Per held DVS, {@link #losses} when it was claimed. One held from before the last loss answers
   * no epoch even once reconnected: it is given up after the loss (loseAll waits for writes in
   * progress, DVS by DVS), and with a new session another manager may have claimed past it.
   */
  private final Map<String, Long> heldSince = new ConcurrentHashMap<>();

  /** Counts evaluations (started, finished, complete) for the waits below; notified per change. */
  private final Object rounds = new Object();

  private long roundsStarted; // guarded by rounds

  /** The last evaluation that computed the rule's target and acted on all of it. */
  private volatile long completeRound;

  /** That evaluation's target: DVS id to the manager the rule gives it. */
  private volatile Map<String, String> lastTarget = Map.of();

  public DvsOwnership(
      CuratorFramework client,
      ManagerRegistry registry,
      OwnerStore owners,
      Listener listener,
      Metrics metrics) {
    this.client = client;
    this.registry = registry;
    this.owners = owners;
    this.listener = listener;
    this.events =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ownership-" + registry.id());
              t.setDaemon(true);
              return t;
            });
    events.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.changes =
        metrics.counter(
            "switchplane_manager_ownership_changes",
            "DVS ownership changes of this manager: gained (claimed and loaded) or lost.",
            "change");
    metrics.gauge(
        "switchplane_manager_owned_dvs",
        "How many DVSes this manager owns (holds and pushes) now.",
        List.of(),
        cb -> cb.call(held().size()));
  }

  /** Starts watching and evaluating; the registry must be started by then. */
  public void start() {
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException("DVS ownership is " + state.get());
    }
    client.getConnectionStateListenable().addListener(connection);
    events.scheduleWithFixedDelay(this::evaluateSafely, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks for an evaluation soon (coalesced); cheap, any thread. */
  public void trigger() {
    if (state.get() == State.STARTED && queued.compareAndSet(false, true)) {
      try {
        events.execute(this::evaluateSafely);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        queued.set(false);
      }
    }
  }

  /** This manager's id. */
  public String selfId() {
    return registry.id();
  }

  /**
   * The epoch at which this manager holds dvsId, empty when it does not (or its ZooKeeper
   * connection is suspended). Writes and pushes for the DVS carry it.
   */
  public OptionalLong epoch(String dvsId) {
    Long e = active.get(dvsId);
    return connected && e != null && current(dvsId) && state.get() == State.STARTED
        ? OptionalLong.of(e)
        : OptionalLong.empty();
  }

  /** Whether this manager holds dvsId now. */
  public boolean owns(String dvsId) {
    return epoch(dvsId).isPresent();
  }

  /** Whether this manager holds dvsId and its {@link Listener#gained} has returned. */
  private boolean loaded(String dvsId) {
    return owns(dvsId) && !claimed.containsKey(dvsId);
  }

  /**
   * Waits until one evaluation, started after this call, computed the rule's target and acted on it
   * all (claimed and loaded what the rule gives this manager and was free): at start, so that a
   * lone manager owns every DVS before it reports itself serving. False when none did by timeout
   * (e.g. ZooKeeper does not answer).
   */
  public boolean awaitSettled(Duration timeout) throws InterruptedException {
    return awaitRound(timeout, roundSince -> roundSince ? Wait.YES : Wait.ON);
  }

  /**
   * A write of dvsId reached this manager, which does not hold it: waits (up to timeout) for an
   * evaluation started after this call, so that a DVS the rule gives this manager (just created, or
   * its previous owner just left) is claimed and loaded rather than refused. True when this manager
   * then holds dvsId, loaded; false at once when an evaluation gave it to another manager.
   */
  public boolean awaitHeld(String dvsId, Duration timeout) throws InterruptedException {
    if (loaded(dvsId)) {
      return true;
    }
    return awaitRound(
        timeout,
        roundSince -> {
          if (loaded(dvsId)) {
            return Wait.YES;
          }
          // The rule gives it to another manager (or it was deleted), or this one is closing.
          return (roundSince && !registry.id().equals(lastTarget.get(dvsId)))
                  || state.get() != State.STARTED
              ? Wait.NO
              : Wait.ON;
        });
  }

  /** A wait's answer each time an evaluation ends: done (yes, no) or wait on. */
  private enum Wait {
    YES,
    NO,
    ON
  }

  /** What a wait asks whenever an evaluation ends (and at first), under {@link #rounds}. */
  private interface RoundCheck {
    /**
     * @param roundSince whether an evaluation started after the wait began has completed (computed
     *     the rule's target and acted on all of it)
     */
    Wait check(boolean roundSince);
  }

  /**
   * Triggers an evaluation and waits until check answers YES (true) or NO (false), asked at once
   * and whenever an evaluation ends; false at timeout.
   */
  private boolean awaitRound(Duration timeout, RoundCheck check) throws InterruptedException {
    long after;
    synchronized (rounds) {
      after = roundsStarted;
    }
    trigger();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (rounds) {
      while (true) {
        Wait w = check.check(completeRound > after);
        if (w != Wait.ON) {
          return w == Wait.YES;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        rounds.wait(left);
      }
    }
  }

  /** The DVSes held now, with their epochs. */
  public Map<String, Long> held() {
    if (!connected) {
      return Map.of();
    }
    Map<String, Long> held = new java.util.HashMap<>(active);
    held.keySet().removeIf(dvs -> !current(dvs));
    return Map.copyOf(held);
  }

  /** Whether held DVS dvsId was claimed after the last connection loss. */
  private boolean current(String dvsId) {
    Long since = heldSince.get(dvsId);
    return since != null && since == losses;
  }

  /** The owner record of dvsId as this manager's cache sees it. */
  public OwnerStore.Owner owner(String dvsId) {
    return owners.cached(dvsId);
  }

  /** The live managers' operator endpoints by id. */
  public Map<String, String> liveManagers() {
    return registry.live();
  }

  /** Every owner record this manager's cache holds, by DVS id. */
  public Map<String, OwnerStore.Owner> records() {
    return owners.cachedAll();
  }

  /**
   * The refusal of a write of dvsId (named dvsName) that this manager does not own now, nothing
   * written: FAILED_PRECONDITION with reason NOT_DVS_OWNER and the owner's id and operator endpoint
   * in the metadata ({@link ErrorReason#OWNER_ID}, {@link ErrorReason#OWNER_ENDPOINT}) when a live
   * manager owns it; UNAVAILABLE with the same reason while it has no live owner (being handed
   * over).
   */
  public SwitchplaneException notOwner(String dvsId, String dvsName) {
    OwnerStore.Owner record = owners.cached(dvsId);
    String endpoint = record.owned() ? registry.live().get(record.owner()) : null;
    if (endpoint == null || record.owner().equals(registry.id())) {
      return new SwitchplaneException(
              ErrorCode.UNAVAILABLE,
              "DVS '"
                  + dvsName
                  + "' has no owning manager right now (its ownership is moving); nothing was"
                  + " written, retry shortly")
          .because(ErrorReason.NOT_DVS_OWNER);
    }
    return new SwitchplaneException(
            ErrorCode.FAILED_PRECONDITION,
            "DVS '"
                + dvsName
                + "' is owned by manager "
                + record.owner()
                + " at "
                + endpoint
                + "; nothing was written here: send the write there")
        .because(ErrorReason.NOT_DVS_OWNER)
        .with(Map.of(ErrorReason.OWNER_ID, record.owner(), ErrorReason.OWNER_ENDPOINT, endpoint));
  }

  private void connectionChanged(ConnectionState s) {
    if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
      // Before anything else: pushes and writes consult epoch() and stop now.
      losses++; // only this (Curator's) thread writes it
      connected = false;
      LOG.warn("manager {}: ZooKeeper connection {}; giving up every DVS", registry.id(), s);
      events.execute(
          () -> {
            loseAll();
            trigger(); // an evaluation after the give-up: claims again once reconnected
          });
    } else if (s.isConnected()) {
      // Epochs held from before the loss stay void (heldSince), even while the loseAll queued at
      // the loss has not given them up yet.
      connected = true;
      trigger();
    }
  }

  private void evaluateSafely() {
    queued.set(false);
    long round;
    synchronized (rounds) {
      round = ++roundsStarted;
    }
    try {
      evaluate(round);
    } catch (SwitchplaneException e) {
      LOG.warn("manager {}: ownership evaluation failed: {}", registry.id(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("manager {}: ownership evaluation failed", registry.id(), e);
    } finally {
      roundChanged();
    }
  }

  private void roundChanged() {
    synchronized (rounds) {
      rounds.notifyAll();
    }
  }

  private void evaluate(long round) {
    long lossesBefore = losses; // a loss during this evaluation leaves what it claims not current
    if (state.get() != State.STARTED) {
      return;
    }
    if (!connected) {
      loseAll();
      return;
    }
    if (!registry.initialized() || !owners.initialized()) {
      return; // a partial view would claim DVSes from managers not yet seen
    }
    String self = registry.id();
    Map<String, String> live = registry.live();
    if (!live.containsKey(self)) {
      // Not (yet, or no longer) registered: holding anything would break the rule's premise.
      loseAll();
      return;
    }
    Set<String> dvses = dvsIds();
    Map<String, String> target = OwnershipRule.assign(live.keySet(), dvses);

    Set<String> held = new HashSet<>(active.keySet());
    held.addAll(claimed.keySet());
    for (String dvs : held) {
      long epoch = active.containsKey(dvs) ? active.get(dvs) : claimed.get(dvs);
      OwnerStore.Owner record = owners.cached(dvs);
      if (record.epoch() > epoch) {
        giveUp(dvs, "its owner record moved to epoch " + record.epoch());
      } else if (!dvses.contains(dvs)) {
        giveUp(dvs, "it was deleted");
        owners.release(dvs, epoch);
      } else if (!self.equals(target.get(dvs))) {
        giveUp(dvs, "the rule gives it to " + target.get(dvs));
        owners.release(dvs, epoch);
      }
    }

    for (Map.Entry<String, String> t : target.entrySet()) {
      String dvs = t.getKey();
      if (!self.equals(t.getValue()) || active.containsKey(dvs)) {
        continue;
      }
      Long epoch = claimed.get(dvs);
      if (epoch == null) {
        OwnerStore.Owner record = owners.cached(dvs);
        boolean free =
            !record.owned() || record.owner().equals(self) || !live.containsKey(record.owner());
        if (!free
            || (!record.owner().isEmpty()
                && !record.owner().equals(self)
                && registry.registered(record.owner()))) {
          // Its owner is live (the cache may lag ZooKeeper): it hands the DVS over when it sees
          // the same target.
          continue;
        }
        Optional<Long> won = owners.claim(dvs, self, record);
        if (won.isEmpty()) {
          continue; // the record changed meanwhile: the cache event brings a new evaluation
        }
        epoch = won.get();
        claimed.put(dvs, epoch);
        LOG.info(
            "manager {} claimed DVS {} at epoch {} (was {})",
            self,
            dvs,
            epoch,
            record.owned() ? record.owner() : "released");
      }
      if (!connected || losses != lossesBefore) {
        return; // lost meanwhile: the loseAll queued then gives up what this evaluation took
      }
      // Held from here: epoch() answers during gained(), so the loads' recoveries (ZooKeeper
      // writes) and the first pushes it starts are fenced at the new epoch.
      heldSince.put(dvs, lossesBefore);
      active.put(dvs, epoch);
      long gainStarted = System.nanoTime();
      try {
        listener.gained(dvs, epoch);
        claimed.remove(dvs);
        changes.labelValues("gained").inc();
        LOG.info(
            "manager {} took DVS {} over at epoch {} in {} ms",
            self,
            dvs,
            epoch,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gainStarted));
        roundChanged();
      } catch (RuntimeException e) {
        active.remove(dvs);
        heldSince.remove(dvs);
        listener.lost(dvs); // undo what gained() did before it failed; the claim is kept
        LOG.warn(
            "manager {} owns DVS {} at epoch {} but could not take it over; retrying",
            self,
            dvs,
            epoch,
            e);
      }
    }
    lastTarget = target;
    completeRound = round;
  }

  private Set<String> dvsIds() {
    try {
      return new HashSet<>(client.getChildren().usingWatcher(dvsWatch).forPath(StoreLayout.DVS));
    } catch (Exception e) {
      throw ZkErrors.translate(e, "listing the DVSes");
    }
  }

  private void giveUp(String dvs, String why) {
    claimed.remove(dvs);
    heldSince.remove(dvs);
    if (active.remove(dvs) != null) {
      LOG.info("manager {} gives up DVS {}: {}", registry.id(), dvs, why);
      changes.labelValues("lost").inc();
      long started = System.nanoTime();
      listener.lost(dvs);
      LOG.info(
          "manager {} gave up DVS {} in {} ms",
          registry.id(),
          dvs,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  private void loseAll() {
    for (String dvs : Set.copyOf(active.keySet())) {
      giveUp(dvs, "ZooKeeper connection lost or manager leaving");
    }
    claimed.clear();
  }

  /**
   * Hands every held DVS over: stops them, removes the registration, releases the records (best
   * effort: a record another manager already claimed stays its). Idempotent.
   */
  @Override
  public void close() {
    State was = state.getAndSet(State.CLOSED);
    if (was == State.CLOSED) {
      return;
    }
    client.getConnectionStateListenable().removeListener(connection);
    Map<String, Long> handOver = new ConcurrentHashMap<>();
    try {
      events
          .submit(
              () -> {
                handOver.putAll(active);
                handOver.putAll(claimed);
                loseAll();
              })
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("manager {}: stopping its DVSes failed", registry.id(), e);
    }
    events.shutdownNow();
    registry.deregister();
    if (connected) {
      handOver.forEach(
          (dvs, epoch) -> {
            try {
              owners.release(dvs, epoch);
            } catch (SwitchplaneException e) {
              LOG.warn(
                  "manager {}: releasing DVS {} failed: {}", registry.id(), dvs, e.getMessage());
            }
          });
    }
    LOG.info("manager {} handed over {} DVS(es)", registry.id(), handOver.size());
  }
}
