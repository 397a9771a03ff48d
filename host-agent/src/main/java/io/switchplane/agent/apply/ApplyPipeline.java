package io.switchplane.agent.apply;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.prometheus.metrics.model.snapshots.Unit;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.ModuleContext;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.ListSwitchesResponse;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.api.v1.SwitchSummary;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import io.switchplane.common.model.LogicalNetworks;
import io.switchplane.common.validation.HostStateValidator;
import io.switchplane.rpc.metrics.Metrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies final host states as commit-confirmed local transactions (one {@link ApplyTransaction}
 * each: check, journal, resolve and diff, backend, modules, persist, with one undo), answering with
 * a nonce. {@link #confirm} makes it permanent; without it, the last confirmed state comes back by
 * itself at the deadline ({@link Rollbacks}). Applies of one DVS are serialised by a lock of that
 * DVS; different DVSes apply concurrently.
 *
 * <p>Failure leaves the host as it was (see {@link ApplyTransaction}). The in-memory view ({@link
 * AppliedSwitch}) changes only once the store has the new state. A crash anywhere is repaired by
 * {@link #recover()} before the agent serves: the backend is brought to the stored state (old
 * before the persist, new after it), and a deadline that passed while the agent was down rolls back
 * at once.
 */
public final class ApplyPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyPipeline.class);
  public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
  public static final long MIN_CONFIRM_TIMEOUT_MS = 2_000;
  public static final long MAX_CONFIRM_TIMEOUT_MS = 3_600_000;

  private final SwitchBackend backend;
  private final StateStore store;
  private final Clock clock;
  private final FaultPoints faults;
  private final Rollbacks rollbacks;
  private final BackendRepair repair;
  private final Metrics metrics;
  private final AgentMetrics counters;
  private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final PropertyModules modules;

  /** Set by close: an arrival's announcements still scheduled are not sent. */
  private volatile boolean closed;

  /** The port carrying the agent's management address (null: none). */
  private final String managementPort;

  private final ApplyTransaction.Parts parts;
  private final Confirms confirms;
  private final OwnerEpochs epochs = new OwnerEpochs();

  /**
   * @param timers runs the confirm deadlines (owned by the caller); a single thread is plenty
   */
  public ApplyPipeline(
      SwitchBackend backend,
      StateStore store,
      Clock clock,
      FaultPoints faults,
      java.util.concurrent.ScheduledExecutorService timers) {
    this(backend, store, clock, faults, timers, null);
  }

  /**
   * @param managementPort the key of the port that carries this agent's management address: an
   *     unconfirmed change to it is kept, with management moved to a host-local clone, instead of
   *     reverted (null: always revert)
   */
  public ApplyPipeline(
      SwitchBackend backend,
      StateStore store,
      Clock clock,
      FaultPoints faults,
      java.util.concurrent.ScheduledExecutorService timers,
      String managementPort) {
    this(backend, store, clock, faults, timers, managementPort, PropertyModules.none());
  }

  /**
   * @param modules the property modules every apply and rollback reaches
   */
  public ApplyPipeline(
      SwitchBackend backend,
      StateStore store,
      Clock clock,
      FaultPoints faults,
      java.util.concurrent.ScheduledExecutorService timers,
      String managementPort,
      PropertyModules modules) {
    this(backend, store, clock, faults, timers, managementPort, modules, new Metrics());
  }

  /**
   * @param metrics the agent's registry, where the pipeline's counters go
   */
  public ApplyPipeline(
      SwitchBackend backend,
      StateStore store,
      Clock clock,
      FaultPoints faults,
      java.util.concurrent.ScheduledExecutorService timers,
      String managementPort,
      PropertyModules modules,
      Metrics metrics) {
    this.modules = Objects.requireNonNull(modules, "modules");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.faults = Objects.requireNonNull(faults, "faults");
    this.parts = new ApplyTransaction.Parts(backend, store, modules, clock, faults);
    this.managementPort = managementPort;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.counters = new AgentMetrics(metrics);
    this.rollbacks =
        new Rollbacks(backend, store, clock, timers, this::slot, counters, managementPort, modules);
    this.repair = new BackendRepair(backend, store, this::slot, slots::get, rollbacks);
    this.confirms = new Confirms(store, clock, this::slot, rollbacks, counters);
    metrics.gauge(
        "switchplane_agent_pending_confirms",
        "Applies waiting for the manager's confirm; each is rolled back at its deadline.",
        List.of(),
        cb -> cb.call(slots.values().stream().filter(s -> s.pending != null).count()));
  }

  /** This agent's metrics registry. */
  public Metrics metrics() {
    return metrics;
  }

  /**
   * Loads every stored switch and makes the backend match it; call once, before serving (see {@link
   * BackendRepair#recover}).
   */
  public void recover() {
    repair.recover();
    slots.keySet().forEach(dvsId -> epochs.load(dvsId, store.history(dvsId)));
  }

  /** Applies desired with the default confirm timeout and nothing to supersede. */
  public ApplyResponse apply(HostSwitchState desired) {
    return apply(desired, 0, "");
  }

  /**
   * Applies desired provisionally; throws {@link SwitchplaneException} with the code the API
   * answers with. The answer carries the time of each stage ({@link ApplyStages}).
   *
   * @param confirmTimeoutMs 0 for the default, else 2 s to 1 h
   * @param supersedesNonce the nonce of the apply pending now, when desired replaces it
   */
  public ApplyResponse apply(
      HostSwitchState desired, long confirmTimeoutMs, String supersedesNonce) {
    return apply(desired, confirmTimeoutMs, supersedesNonce, PushOwner.getDefaultInstance());
  }

  /**
   * As {@link #apply(HostSwitchState, long, String)}, pushed by owner: FAILED_PRECONDITION (reason
   * STALE_OWNER_EPOCH) when owner's epoch is older than the newest applied for the DVS (see {@link
   * OwnerEpochs}); owner is recorded in the generation's history row.
   */
  public ApplyResponse apply(
      HostSwitchState desired, long confirmTimeoutMs, String supersedesNonce, PushOwner owner) {
    long start = System.nanoTime();
    ApplyStages stages = new ApplyStages(start);
    long timeout = checkedTimeout(confirmTimeoutMs);
    try {
      if (!desired.hasDvs() || desired.getDvs().getId().isEmpty()) {
        HostStateValidator.validate(desired); // refuses it, naming what is missing
      }
      Slot slot = slot(desired.getDvs().getId());
      ApplyResponse response;
      slot.lock.lock();
      try {
        epochs.check(desired.getDvs().getId(), owner, "apply");
        AppliedSwitch current = slot.applied;
        HostSwitchState previous = current == null ? null : current.state();
        // Without previous (both null) between finds every port new and ignores the flag.
        PortChanges changes = PortChanges.between(previous, desired, previous == slot.ascending);
        // What changed is checked against a state checked whole or in part by this process; a
        // state read from the store or restored by a rollback is checked whole first.
        if (previous != null && previous == slot.validated) {
          HostStateValidator.validateChange(
              previous, desired, changes, () -> current.tally().propertyBytes(previous));
        } else {
          HostStateValidator.validate(desired);
        }
        stages.mark(ApplyStages.Stage.VALIDATE);
        response =
            applyLocked(
                slot, desired, changes, timeout, supersedesNonce, start, stages, false, owner);
        if (slot.applied != null && slot.applied.state() == desired) {
          slot.validated = desired;
          slot.ascending = changes.ordered() ? desired : null;
        }
      } finally {
        slot.lock.unlock();
      }
      if (!response.getAlreadyApplied()) {
        counters.applies.inc();
        counters.applyTime.observe(Unit.nanosToSeconds(System.nanoTime() - start));
      }
      return response;
    } catch (SwitchplaneException e) {
      counters.refused.labelValues(e.code().name()).inc();
      throw e;
    }
  }

  /**
   * Applies the state stored for an earlier generation of dvsId again, as a new provisional apply
   * (the operator's "rollback N"); the only way the applied generation goes back.
   */
  public ApplyResponse restore(String dvsId, long generation, long confirmTimeoutMs) {
    long start = System.nanoTime();
    long timeout = checkedTimeout(confirmTimeoutMs);
    Slot slot = slot(dvsId);
    slot.lock.lock();
    try {
      HostSwitchState state =
          store
              .historicState(dvsId, generation)
              .orElseThrow(
                  () ->
                      SwitchplaneException.notFound(
                          "generation %d of DVS %s is not in this host's history (the last %d applied states are kept)",
                          generation, dvsId, StateStore.HISTORY_LIMIT));
      if (slot.pending != null) {
        throw precondition(
                "generation %d of DVS %s is awaiting confirm; restore after it is confirmed or rolled back",
                slot.pending.getGeneration(), dvsId)
            .because(ErrorReason.AWAITING_CONFIRM);
      }
      ApplyResponse response =
          applyLocked(
              slot,
              state,
              PortChanges.between(slot.applied == null ? null : slot.applied.state(), state),
              timeout,
              "",
              start,
              new ApplyStages(start),
              true,
              PushOwner.getDefaultInstance());
      counters.applies.inc();
      return response;
    } finally {
      slot.lock.unlock();
    }
  }

  private static long checkedTimeout(long confirmTimeoutMs) {
    long timeout = confirmTimeoutMs == 0 ? DEFAULT_CONFIRM_TIMEOUT_MS : confirmTimeoutMs;
    if (timeout < MIN_CONFIRM_TIMEOUT_MS || timeout > MAX_CONFIRM_TIMEOUT_MS) {
      throw invalid(
          "confirm timeout %d ms is outside %d ms to %d ms",
          confirmTimeoutMs, MIN_CONFIRM_TIMEOUT_MS, MAX_CONFIRM_TIMEOUT_MS);
    }
    return timeout;
  }

  private ApplyResponse applyLocked(
      Slot slot,
      HostSwitchState desired,
      PortChanges changes,
      long timeoutMs,
      String supersedes,
      long start,
      ApplyStages stages,
      boolean restoring,
      PushOwner owner) {
    String dvsId = desired.getDvs().getId();
    ApplyTransaction tx =
        new ApplyTransaction(parts, desired, slot.applied, slot.pending, changes, owner);
    Optional<ApplyResponse> repeated = tx.alreadyApplied();
    if (repeated.isPresent()) {
      return repeated.get();
    }
    ApplyTransaction.Committed done = tx.run(timeoutMs, supersedes, restoring, start, stages);
    if (done.superseded()) {
      // The superseded apply is neither confirmed nor undone on its own: it lives on in this one.
      LOG.info(
          "DVS {}: pending generation {} superseded by generation {}",
          dvsId,
          slot.pending.getGeneration(),
          done.pending().getGeneration());
    }
    slot.applied = done.applied();
    slot.pending = done.pending();
    slot.pendingEntry = done.entry();
    epochs.applied(dvsId, owner);
    rollbacks.releaseManagementClone(dvsId, slot.applied);
    rollbacks.armOrExpire(dvsId, slot, RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    slot.arrivals = Announcements.pending(slot.arrivals, desired, changes);
    ChangeSummary summary = done.applied().response().getSummary();
    LOG.debug(
        "applied generation {} of DVS {}: +{} ~{} -{} in {} us, confirm by {}",
        done.pending().getGeneration(),
        dvsId,
        summary.getAdded(),
        summary.getUpdated(),
        summary.getRemoved(),
        done.applied().response().getApplyMicros(),
        done.pending().getDeadlineUnixMs());
    return stages.answer(done.applied().response());
  }

  /**
   * Gives every module the effective values of every switch; call once after {@link #recover()}.
   */
  public void startModules(java.util.function.Function<String, ModuleContext> contexts) {
    modules.start(contexts, switches().stream().map(AppliedSwitch::state).toList());
  }

  /** The property modules of this agent. */
  public PropertyModules modules() {
    return modules;
  }

  /**
   * Confirms the pending apply of generation. INVALID_ARGUMENT when another generation is pending
   * or the nonce differs; FAILED_PRECONDITION when nothing is pending (saying when the generation
   * was rolled back, if it was). A repeat of a done confirm is answered as such.
   */
  public ConfirmResponse confirm(String dvsId, long generation, String nonce) {
    return confirm(dvsId, generation, nonce, PushOwner.getDefaultInstance());
  }

  /**
   * As {@link #confirm(String, long, String)}, by owner: refused as a stale owner's apply is. A
   * first confirm announces the ports a switch-over brought here.
   */
  public ConfirmResponse confirm(String dvsId, long generation, String nonce, PushOwner owner) {
    ConfirmResponse confirmed =
        byOwner(dvsId, owner, "confirm", () -> confirms.confirm(dvsId, generation, nonce));
    if (!confirmed.getAlreadyConfirmed()) {
      announceArrivals(dvsId);
    }
    return confirmed;
  }

  /**
   * Announces the ports a confirmed switch-over brought here. Only once confirmed: a switch-over
   * that is rolled back must not have pointed the fabric at this host.
   */
  private void announceArrivals(String dvsId) {
    Slot slot = slot(dvsId);
    List<String> keys;
    AppliedSwitch applied;
    slot.lock.lock();
    try {
      if (slot.pending != null || slot.applied == null || slot.arrivals.isEmpty()) {
        return; // a newer apply came in meanwhile: its confirm announces
      }
      keys = slot.arrivals;
      applied = slot.applied;
      slot.arrivals = List.of();
    } finally {
      slot.lock.unlock();
    }
    Announcements.schedule(
        () -> Announcements.announce(backend, keys, applied.state(), applied.effective(), 0), 0);
    for (int round = 1; round <= Announcements.REPEATS_MS.size(); round++) {
      int r = round;
      Announcements.schedule(
          () -> announceAgain(dvsId, keys, r), Announcements.REPEATS_MS.get(round - 1));
    }
  }

  /**
   * A repeat of an arrival's announcement: for those of keys that still forward here in what the
   * switch holds now (not moved away again, not blocked).
   */
  private void announceAgain(String dvsId, List<String> keys, int round) {
    if (closed) {
      return;
    }
    Slot slot = slots.get(dvsId);
    AppliedSwitch applied = slot == null ? null : slot.applied;
    if (applied != null) {
      Announcements.announce(backend, keys, applied.state(), applied.effective(), round);
    }
  }

  /**
   * Undoes the pending apply of generation now (an aborted atomic change set); checks as {@link
   * #confirm}.
   */
  public RollbackEvent rollback(String dvsId, long generation, String nonce) {
    return rollback(dvsId, generation, nonce, PushOwner.getDefaultInstance());
  }

  /** As {@link #rollback(String, long, String)}, by owner: refused as a stale owner's apply is. */
  public RollbackEvent rollback(String dvsId, long generation, String nonce, PushOwner owner) {
    return byOwner(dvsId, owner, "rollback", () -> confirms.rollback(dvsId, generation, nonce));
  }

  /** Runs what under the DVS's lock once owner is not older than the DVS's owner epoch. */
  private <T> T byOwner(String dvsId, PushOwner owner, String verb, Supplier<T> what) {
    Slot slot = slot(dvsId);
    slot.lock.lock();
    try {
      epochs.check(dvsId, owner, verb);
      return what.get();
    } finally {
      slot.lock.unlock();
    }
  }

  /** Keys of the ports where the backend differs from what dvsId applied (drift), sorted. */
  public List<String> drift(String dvsId) {
    return repair.drift(dvsId);
  }

  /**
   * As {@link #drift(String)}, from backend ports the caller read already (saves reading the switch
   * twice).
   */
  public static List<String> drift(AppliedSwitch applied, Map<String, EffectivePort> backendPorts) {
    return BackendRepair.driftedKeys(backendPorts, applied.effective());
  }

  /**
   * Brings the backend of dvsId back to the applied state where it drifted; returns what changed.
   */
  public ChangeSummary rectify(String dvsId) {
    return repair.rectify(dvsId);
  }

  /** What dvsId has applied, if anything (a removed switch included: check present()). */
  public Optional<AppliedSwitch> applied(String dvsId) {
    Slot slot = slots.get(dvsId);
    return slot == null ? Optional.empty() : Optional.ofNullable(slot.applied);
  }

  /** The apply of dvsId waiting for Confirm, if any. */
  public Optional<PendingConfirm> pending(String dvsId) {
    Slot slot = slots.get(dvsId);
    return slot == null ? Optional.empty() : Optional.ofNullable(slot.pending);
  }

  /** The last rollback of dvsId, if any. */
  public Optional<RollbackEvent> lastRollback(String dvsId) {
    Slot slot = slots.get(dvsId);
    return slot == null ? Optional.empty() : Optional.ofNullable(slot.lastRollback);
  }

  /**
   * What this host has for dvsId, as GetState reports it: the applied state and its effective
   * ports, the switch's own ports (read once) and where they drifted, the pending confirm, the last
   * rollback, the modules' namespaces, and the management port when its host-local clone carries
   * the address. NOT_FOUND when the host has nothing for dvsId or removed it; a removal still
   * awaiting confirm is answered, since the manager must see what is pending.
   */
  public GetStateResponse state(String dvsId) {
    AppliedSwitch applied =
        applied(dvsId).orElseThrow(() -> notFound("no state for DVS '%s' on this host", dvsId));
    Optional<PendingConfirm> pending = pending(dvsId);
    if (!applied.present() && pending.isEmpty()) {
      throw notFound(
          "DVS '%s' was removed from this host at generation %d", dvsId, applied.generation());
    }
    Map<String, EffectivePort> backendPorts = backend.ports(dvsId);
    GetStateResponse.Builder out =
        GetStateResponse.newBuilder()
            .setApplied(applied.state())
            .addAllEffectivePorts(sorted(applied.effective().values()))
            .addAllBackendPorts(sorted(backendPorts.values()))
            .setBackend(backend.name())
            .setConfirmedGeneration(confirmedGeneration(dvsId))
            .addAllUnclaimedNamespaces(modules.unclaimed(applied.state()))
            .addAllClaimedNamespaces(modules.claimed())
            .addAllDriftedPortKeys(drift(applied, backendPorts))
            .addAllRealizedLogicalNetworks(
                LogicalNetworks.realized(
                    applied.state(),
                    backendPorts.values().stream().map(EffectivePort::getPortGroupId).toList()));
    pending.ifPresent(out::setPending);
    lastRollback(dvsId).ifPresent(out::setLastRollback);
    if (managementPort != null && backend.managementClone(dvsId, managementPort).isPresent()) {
      out.setHostLocalManagement(managementPort);
    }
    return out.build();
  }

  /**
   * The switches present, each with its pending confirm and last rollback, as ListSwitches reports
   * them.
   */
  public ListSwitchesResponse list() {
    ListSwitchesResponse.Builder out = ListSwitchesResponse.newBuilder();
    for (AppliedSwitch s : switches()) {
      SwitchSummary.Builder summary =
          SwitchSummary.newBuilder()
              .setDvsId(s.dvsId())
              .setDvsName(s.state().getDvs().getName())
              .setAppliedGeneration(s.generation())
              .setPortCount(s.effective().size());
      pending(s.dvsId()).ifPresent(summary::setPending);
      lastRollback(s.dvsId()).ifPresent(summary::setLastRollback);
      out.addSwitches(summary);
    }
    return out.build();
  }

  /** The stored history of dvsId, newest first; NOT_FOUND when there is none. */
  public List<HistoryEntry> history(String dvsId) {
    List<HistoryEntry> entries = store.history(dvsId);
    if (entries.isEmpty()) {
      throw notFound("no history for DVS '%s' on this host", dvsId);
    }
    return entries;
  }

  private static List<EffectivePort> sorted(Collection<EffectivePort> ports) {
    return ports.stream().sorted(Comparator.comparing(EffectivePort::getKey)).toList();
  }

  /** The last confirmed generation of dvsId (0: none). */
  public long confirmedGeneration(String dvsId) {
    Slot slot = slots.get(dvsId);
    return slot == null ? 0 : slot.confirmedGeneration();
  }

  /** The switches present on this host (removed ones left out), sorted by DVS name then id. */
  public List<AppliedSwitch> switches() {
    List<AppliedSwitch> out = new ArrayList<>();
    for (Slot slot : slots.values()) {
      AppliedSwitch applied = slot.applied;
      if (applied != null && applied.present()) {
        out.add(applied);
      }
    }
    out.sort(
        Comparator.comparing((AppliedSwitch a) -> a.state().getDvs().getName())
            .thenComparing(AppliedSwitch::dvsId));
    return out;
  }

  public SwitchBackend backend() {
    return backend;
  }

  /**
   * Stops the confirm timers (the agent is closing); pending confirms stay stored for the next
   * start.
   */
  public void close() {
    closed = true;
    for (Slot slot : slots.values()) {
      slot.lock.lock();
      try {
        slot.cancelTimer();
      } finally {
        slot.lock.unlock();
      }
    }
  }

  private Slot slot(String dvsId) {
    return slots.computeIfAbsent(dvsId, id -> new Slot());
  }
}
