package io.switchplane.agent.apply;

import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.store.StateStore;
import io.switchplane.agent.store.StoredSwitch;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.HostStateValidator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies final host states as local transactions: validate, check the generation, resolve the
 * effective ports incrementally, diff, apply to the backend (all or nothing), persist (synced),
 * answer. Applies of one DVS are serialised by a lock of that DVS; different DVSes apply
 * concurrently.
 *
 * <p>Failure leaves the host as it was: a backend failure is undone by the backend itself
 * (ABORTED), a store failure after the backend applied is undone here (INTERNAL). The
 * in-memory view ({@link AppliedSwitch}) changes only once the store has the new state.
 */
public final class ApplyPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyPipeline.class);

  private final SwitchBackend backend;
  private final StateStore store;
  private final Clock clock;
  private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();

  /** One proxy switch: its apply lock and what it has applied (null until the first apply). */
  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    volatile AppliedSwitch applied;
  }

  public ApplyPipeline(SwitchBackend backend, StateStore store, Clock clock) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public ApplyPipeline(SwitchBackend backend, StateStore store) {
    this(backend, store, Clock.systemUTC());
  }

  /**
   * Loads every stored switch and makes the backend match it; call once, before serving.
   * Works for any backend: the memory backend starts empty and gets every port added back, a
   * persistent one gets only what drifted while the agent was down.
   */
  public void recover() {
    for (StoredSwitch stored : store.loadAll()) {
      String dvsId = stored.dvsId();
      Map<String, EffectivePort> effective = Collections.unmodifiableMap(
          EffectiveStateResolver.resolveAll(stored.state()));
      List<PortOp> ops = PortDiff.diff(backend.ports(dvsId), effective);
      try {
        backend.apply(dvsId, ops);
      } catch (BackendException e) {
        throw new SwitchplaneException(ErrorCode.INTERNAL, "cannot restore generation "
            + stored.state().getDvs().getGeneration() + " of DVS " + dvsId + " on the " + backend.name()
            + " backend: " + e.getMessage(), e);
      }
      slot(dvsId).applied = new AppliedSwitch(stored.state(), effective, stored.response());
      LOG.info("restored DVS {} at generation {}: {} ports, {} backend operations",
          dvsId, stored.state().getDvs().getGeneration(), effective.size(), ops.size());
    }
  }

  /** Applies desired; throws {@link SwitchplaneException} with the code the API answers with. */
  public ApplyResponse apply(HostSwitchState desired) {
    long start = System.nanoTime();
    HostStateValidator.validate(desired);
    String dvsId = desired.getDvs().getId();
    Slot slot = slot(dvsId);
    slot.lock.lock();
    try {
      return applyLocked(slot, desired, start);
    } finally {
      slot.lock.unlock();
    }
  }

  private ApplyResponse applyLocked(Slot slot, HostSwitchState desired, long start) {
    String dvsId = desired.getDvs().getId();
    long generation = desired.getDvs().getGeneration();
    AppliedSwitch current = slot.applied;
    if (current != null && generation == current.generation()) {
      // Idempotent by generation: a retried push must not touch the switch again.
      return current.response().toBuilder().setAlreadyApplied(true).build();
    }
    if (current != null && generation < current.generation()) {
      throw precondition("generation %d of DVS %s is older than the applied generation %d",
          generation, dvsId, current.generation());
    }
    HostSwitchState previousState = current == null ? null : current.state();
    Map<String, EffectivePort> previous = current == null ? Map.of() : current.effective();
    Map<String, EffectivePort> next = Collections.unmodifiableMap(
        EffectiveStateResolver.resolve(previousState, previous, desired).ports());
    List<PortOp> ops = PortDiff.diff(previous, next);
    try {
      backend.apply(dvsId, ops);
    } catch (BackendException e) {
      throw new SwitchplaneException(ErrorCode.ABORTED, String.format(
          "generation %d of DVS %s not applied: %s; the operations already done were undone",
          generation, dvsId, e.getMessage()), e);
    }
    ChangeSummary summary = PortDiff.summarize(ops, previous.size());
    ApplyResponse response = ApplyResponse.newBuilder()
        .setAppliedGeneration(generation)
        .setSummary(summary)
        .setApplyMicros(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start))
        .build();
    HistoryEntry entry = HistoryEntry.newBuilder()
        .setGeneration(generation)
        .setAppliedUnixMs(clock.millis())
        .setSummary(summary)
        .build();
    try {
      store.commit(desired, response, entry);
    } catch (RuntimeException e) {
      throw persistFailed(dvsId, generation, ops, e);
    }
    slot.applied = new AppliedSwitch(desired, next, response);
    LOG.debug("applied generation {} of DVS {}: +{} ~{} -{} in {} us", generation, dvsId,
        summary.getAdded(), summary.getUpdated(), summary.getRemoved(), response.getApplyMicros());
    return response;
  }

  /** Takes the backend back to the previous state after the store refused the new one. */
  private SwitchplaneException persistFailed(String dvsId, long generation, List<PortOp> ops, RuntimeException cause) {
    SwitchplaneException failure = new SwitchplaneException(ErrorCode.INTERNAL, String.format(
        "generation %d of DVS %s not applied: cannot persist it (%s); the switch was taken back",
        generation, dvsId, cause.getMessage()), cause);
    try {
      backend.apply(dvsId, PortDiff.inverse(ops));
    } catch (BackendException e) {
      // Neither state on the switch now: the answer must not claim it was taken back.
      LOG.error("DVS {}: cannot undo generation {} on the {} backend after a store failure; the switch drifted",
          dvsId, generation, backend.name(), e);
      failure = new SwitchplaneException(ErrorCode.INTERNAL, String.format(
          "generation %d of DVS %s not applied: cannot persist it (%s) and cannot undo it on the switch (%s)",
          generation, dvsId, cause.getMessage(), e.getMessage()), cause);
      failure.addSuppressed(e);
    }
    return failure;
  }

  /** What dvsId has applied, if anything (a removed switch included: check present()). */
  public Optional<AppliedSwitch> applied(String dvsId) {
    Slot slot = slots.get(dvsId);
    return slot == null ? Optional.empty() : Optional.ofNullable(slot.applied);
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
    out.sort(Comparator.comparing((AppliedSwitch a) -> a.state().getDvs().getName()).thenComparing(AppliedSwitch::dvsId));
    return out;
  }

  public SwitchBackend backend() {
    return backend;
  }

  public StateStore store() {
    return store;
  }

  private Slot slot(String dvsId) {
    return slots.computeIfAbsent(dvsId, id -> new Slot());
  }
}
