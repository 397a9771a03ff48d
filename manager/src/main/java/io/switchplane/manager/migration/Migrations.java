package io.switchplane.manager.migration;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationOutcome;
import io.switchplane.api.v1.MigrationStep;
import io.switchplane.api.v1.MigrationStepKind;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortMigration;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.service.ConfigService.CommitResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a VM's ports from one host to another as one two-host transaction (the network side of
 * vMotion). Three steps, each an atomic change set ({@code AtomicCommits}: every affected host
 * applies and waits for the confirm, or all are rolled back):
 *
 * <ol>
 *   <li><b>prepare</b>: every port gets {@code migration.standby_host_id = destination}; the
 *       destination then holds a copy with the same key, MAC and policy, blocked whatever its
 *       policy says ({@link io.switchplane.common.model.PortPlacement}); the source keeps
 *       forwarding;
 *   <li><b>switch-over</b>: {@code host_id = destination}, migration cleared, in one change set
 *       touching both hosts: the destination unblocks its copy (and announces the MAC, see the
 *       agent), the source releases the port;
 *   <li><b>confirm</b>: both hosts report the switch-over confirmed (IN_SYNC). An agent that missed
 *       its confirm rolls back by itself, so this step is what catches it.
 * </ol>
 *
 * <p>Any failure brings both hosts back: a prepare or switch-over that fails is already undone by
 * the atomic change set (every host rolled back, the previous configuration restored); then the
 * ports are put back as they were before the prepare (the revert step). The revert is best-effort,
 * not atomic: a lost host must not keep the other from getting back, and the lost one takes the
 * original state when it returns (until then it holds at most a blocked standby copy).
 *
 * <p><b>Why a standby copy and not a second port:</b> the model has one port per key with one host.
 * A second stored record (another key, or the same key twice) would give the port two identities
 * that every reader (lists, IPAM, properties, snapshots) would have to reconcile, and a crash
 * between steps would leave two ports. Instead the port stays one record that says where it
 * forwards ({@code host_id}) and where it is prepared ({@code migration}); each host's desired
 * state derives the copy. Undoing a prepare is clearing one field, and a snapshot taken meanwhile
 * holds one port.
 *
 * <p>One migration per VM at a time; the DVS lock serialises the change sets, and each step names
 * the generation it expects, so an operator's change between the steps makes the next step fail
 * ABORTED (and the migration reverts) rather than overwrite it.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /** The default confirm timeout of each step's atomic change set. */
  public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 10_000;

  /** The push status of a host on a DVS, for the confirm step ({@code HostStatusBook}). */
  public interface PushStatus {
    Optional<HostPushStatus> get(String dvsId, String hostId);

    /**
     * Completes once the host is IN_SYNC at generation or later, or ROLLED_BACK; fails when it is
     * no longer tracked.
     */
    CompletableFuture<HostPushStatus> whenSettled(String dvsId, String hostId, long generation);
  }

  /** Told of each step as it ends (progress, tests that act between steps); must not block. */
  public interface StepListener {
    void stepDone(String vmUuid, MigrationStep step);
  }

  private final java.util.List<StepListener> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ConfigService service;
  private final PushStatus status;
  private final MigrationPrecheck.RealizedNetworks realized;
  private final MigrationPrecheck.VmkSubnets subnets;
  private final Set<String> moving = ConcurrentHashMap.newKeySet();

  /**
   * @param status the push status of the hosts this manager pushes
   * @param realized what each host realizes per DVS, on any manager (see {@code RealizedStore})
   * @param subnets the IP subnet of a VMkernel port's address, where there is one
   */
  public Migrations(
      ConfigService service,
      PushStatus status,
      MigrationPrecheck.RealizedNetworks realized,
      MigrationPrecheck.VmkSubnets subnets) {
    this.service = service;
    this.status = status;
    this.realized = realized;
    this.subnets = subnets;
  }

  /**
   * Every condition a move of VM vmUuid to host toHostRef (id or name) fails ({@link
   * MigrationPrecheck}), on the configuration as it is and what each agent last said it realizes.
   */
  public PrecheckResponse precheck(String vmUuid, String toHostRef) {
    if (vmUuid.isEmpty()) {
      throw invalid("vm is required");
    }
    if (toHostRef.isEmpty()) {
      throw invalid("to_host is required");
    }
    Host to = service.host(toHostRef);
    return new MigrationPrecheck(
            service.configs(),
            realized,
            id -> service.findHost(id).map(Host::getName).orElse(id),
            subnets)
        .check(vmUuid, to.getId());
  }

  /** Adds a listener told of every step of every migration from now on. */
  public void addListener(StepListener listener) {
    listeners.add(listener);
  }

  /**
   * Moves every port of VM vmUuid to host toHostRef (id or name). Errors (nothing changed):
   * INVALID_ARGUMENT, NOT_FOUND (VM or host), FAILED_PRECONDITION (the host is not a member, the VM
   * is being moved already, its ports span several DVSes). A failed precheck is no error: the
   * answer is PRECHECK_FAILED with the failures; nor is a failed step: the answer is ABORTED.
   *
   * @param confirmTimeoutMs each step's confirm timeout; 0: {@link #DEFAULT_CONFIRM_TIMEOUT_MS}
   */
  public MigrateResponse migrate(
      String vmUuid, String toHostRef, long confirmTimeoutMs, String description) {
    return migrate(vmUuid, toHostRef, confirmTimeoutMs, description, true);
  }

  /**
   * Makes the ports of a VM that vCenter has moved to host toHostId follow it: the same transaction
   * without the precheck, whose question (may the VM move?) vCenter has answered by moving it;
   * refusing would leave the VM cut off from its network.
   */
  public MigrateResponse follow(String vmUuid, String toHostId, String description) {
    return migrate(vmUuid, toHostId, 0, description, false);
  }

  private MigrateResponse migrate(
      String vmUuid,
      String toHostRef,
      long confirmTimeoutMs,
      String description,
      boolean prechecked) {
    if (vmUuid.isEmpty()) {
      throw invalid("vm is required");
    }
    if (toHostRef.isEmpty()) {
      throw invalid("to_host is required");
    }
    CommitOptions options =
        new CommitOptions(
            true, confirmTimeoutMs == 0 ? DEFAULT_CONFIRM_TIMEOUT_MS : confirmTimeoutMs);
    Host to = service.host(toHostRef);
    if (!moving.add(vmUuid)) {
      throw precondition("VM %s is being migrated already", vmUuid);
    }
    try {
      return run(vmUuid, to, options, description, prechecked);
    } finally {
      moving.remove(vmUuid);
    }
  }

  private MigrateResponse run(
      String vm, Host to, CommitOptions options, String description, boolean prechecked) {
    DvsConfig config = dvsOf(vm);
    List<Port> original = vmPorts(config, vm);
    MigrateResponse.Builder out = MigrateResponse.newBuilder();
    original.forEach(p -> out.addPortKeys(p.getKey()));
    String dst = to.getId();
    if (config.member(dst).isEmpty()) {
      throw precondition(
          "host '%s' is not a member of DVS '%s' where VM %s has its ports",
          to.getName(), config.dvs().getName(), vm);
    }
    for (Port p : original) {
      if (p.hasMigration()) {
        throw precondition("port '%s' of VM %s is being migrated already", p.getKey(), vm);
      }
    }
    if (original.stream().allMatch(p -> p.getHostId().equals(dst))) {
      return out.setOutcome(MigrationOutcome.MIGRATION_OUTCOME_ALREADY_THERE).build();
    }
    Set<String> sources = new TreeSet<>();
    original.forEach(p -> sources.add(p.getHostId()));
    sources.remove(dst);
    sources.remove("");

    long start = System.nanoTime();
    if (prechecked) {
      PrecheckResponse check = precheck(vm, dst);
      if (!check.getOk()) {
        String why =
            String.join(
                "; ", check.getFailuresList().stream().map(PrecheckFailure::getDetail).toList());
        LOG.info("VM {}: not moved to host {}, the precheck failed: {}", vm, to.getName(), why);
        return out.setOutcome(MigrationOutcome.MIGRATION_OUTCOME_PRECHECK_FAILED)
            .addAllPrecheckFailures(check.getFailuresList())
            .setDetail("VM " + vm + " cannot move to host '" + to.getName() + "': " + why)
            .build();
      }
    }
    added(
        vm,
        out,
        step(
            MigrationStepKind.MIGRATION_STEP_KIND_PRECHECK,
            true,
            0,
            start,
            prechecked ? "passed" : "skipped: vCenter moved the VM"));

    String why = description.isEmpty() ? "migrate VM " + vm : description;
    List<Port> prepared = new ArrayList<>();
    List<Port> switched = new ArrayList<>();
    for (Port p : original) {
      prepared.add(
          p.toBuilder().setMigration(PortMigration.newBuilder().setStandbyHostId(dst)).build());
      switched.add(p.toBuilder().setHostId(dst).clearMigration().build());
    }

    start = System.nanoTime();
    CommitResult prepare =
        service.putPorts(config.id(), prepared, config.generation(), why + " (prepare)", options);
    boolean ok = committed(prepare);
    added(
        vm,
        out,
        step(
            MigrationStepKind.MIGRATION_STEP_KIND_PREPARE,
            ok,
            prepare.generation(),
            start,
            ok ? "standby copies on " + to.getName() : prepare.detail()));
    if (!ok) {
      // The atomic change set restored the configuration before the prepare: nothing to revert.
      added(
          vm,
          out,
          step(
              MigrationStepKind.MIGRATION_STEP_KIND_REVERT,
              true,
              prepare.after().generation(),
              System.nanoTime(),
              "the aborted prepare restored both hosts"));
      return aborted(out, vm, "prepare: " + prepare.detail());
    }

    start = System.nanoTime();
    CommitResult switchOver;
    try {
      switchOver =
          service.putPorts(
              config.id(), switched, prepare.generation(), why + " (switch-over)", options);
    } catch (SwitchplaneException e) {
      // ABORTED (someone changed the DVS between the steps), UNAVAILABLE (no longer leader)...
      added(
          vm,
          out,
          step(MigrationStepKind.MIGRATION_STEP_KIND_SWITCH_OVER, false, 0, start, e.getMessage()));
      return revert(out, config.id(), original, dst, vm, "switch-over: " + e.getMessage(), options);
    }
    long switchMicros = micros(start);
    ok = committed(switchOver);
    added(
        vm,
        out,
        step(
            MigrationStepKind.MIGRATION_STEP_KIND_SWITCH_OVER,
            ok,
            switchOver.generation(),
            start,
            ok
                ? "forwarding on " + to.getName() + ", released on " + sources
                : switchOver.detail()));
    if (!ok) {
      return revert(
          out, config.id(), original, dst, vm, "switch-over: " + switchOver.detail(), options);
    }
    out.setSwitchOverMicros(switchMicros);

    start = System.nanoTime();
    Set<String> hosts = new TreeSet<>(sources);
    hosts.add(dst);
    String unconfirmed =
        awaitConfirmed(config.id(), hosts, switchOver.generation(), options.confirmTimeoutMs());
    ok = unconfirmed.isEmpty();
    added(
        vm,
        out,
        step(
            MigrationStepKind.MIGRATION_STEP_KIND_CONFIRM,
            ok,
            switchOver.generation(),
            start,
            ok ? "confirmed on " + hosts.size() + " host(s)" : unconfirmed));
    if (!ok) {
      return revert(out, config.id(), original, dst, vm, "confirm: " + unconfirmed, options);
    }
    LOG.info(
        "VM {}: {} port(s) moved to host {} (switch-over {} us)",
        vm,
        original.size(),
        to.getName(),
        switchMicros);
    return out.setOutcome(MigrationOutcome.MIGRATION_OUTCOME_MOVED).build();
  }

  /**
   * Puts the ports back as they were before the prepare, best-effort (see the class comment), and
   * waits for the hosts that can be reached.
   */
  private MigrateResponse revert(
      MigrateResponse.Builder out,
      String dvsId,
      List<Port> original,
      String dst,
      String vm,
      String why,
      CommitOptions options) {
    long start = System.nanoTime();
    try {
      CommitResult back =
          service.putPorts(
              dvsId,
              original,
              0,
              "migration of VM " + vm + " reverted: " + why,
              new CommitOptions(false, options.confirmTimeoutMs()));
      Set<String> hosts = new TreeSet<>();
      original.forEach(p -> hosts.add(p.getHostId()));
      hosts.add(dst);
      String pending =
          back.unchanged()
              ? ""
              : awaitConfirmed(dvsId, hosts, back.generation(), options.confirmTimeoutMs());
      added(
          vm,
          out,
          step(
              MigrationStepKind.MIGRATION_STEP_KIND_REVERT,
              true,
              back.generation(),
              start,
              pending.isEmpty()
                  ? "ports back on " + hosts
                  : "stored; " + pending + " (they take it when they answer)"));
    } catch (SwitchplaneException e) {
      LOG.error("VM {}: migration revert could not be stored", vm, e);
      added(
          vm,
          out,
          step(MigrationStepKind.MIGRATION_STEP_KIND_REVERT, false, 0, start, e.getMessage()));
    }
    return aborted(out, vm, why);
  }

  private void added(String vm, MigrateResponse.Builder out, MigrationStep step) {
    out.addSteps(step);
    listeners.forEach(l -> l.stepDone(vm, step));
  }

  private static MigrateResponse aborted(MigrateResponse.Builder out, String vm, String why) {
    LOG.warn("VM {}: migration aborted ({})", vm, why);
    return out.setOutcome(MigrationOutcome.MIGRATION_OUTCOME_ABORTED).setDetail(why).build();
  }

  /**
   * Waits until every host is IN_SYNC at generation or later (its confirm arrived); "" when they
   * are, else which hosts are not and how they stand.
   */
  private String awaitConfirmed(String dvsId, Set<String> hosts, long generation, long timeoutMs) {
    // The agents roll back at their own deadline (timeoutMs after the apply); a little beyond it
    // the answer is final either way.
    List<CompletableFuture<HostPushStatus>> settled = new ArrayList<>();
    for (String h : hosts) {
      settled.add(status.whenSettled(dvsId, h, generation));
    }
    try {
      CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new))
          .get(timeoutMs + 2_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while waiting for the confirms of " + hosts;
    } catch (ExecutionException | TimeoutException e) {
      // a host not tracked any more, or not settled in time: said below, host by host
    } finally {
      settled.forEach(f -> f.cancel(false));
    }
    List<String> waiting = new ArrayList<>();
    for (String h : hosts) {
      Optional<HostPushStatus> s = status.get(dvsId, h);
      if (s.isPresent()
          && s.get().getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
          && s.get().getDesiredGeneration() >= generation) {
        continue;
      }
      HostSyncState state =
          s.map(HostPushStatus::getState).orElse(HostSyncState.HOST_SYNC_STATE_UNSPECIFIED);
      waiting.add(
          "host "
              + service.findHost(h).map(Host::getName).orElse(h)
              + " "
              + state.name().replace("HOST_SYNC_STATE_", "").toLowerCase(java.util.Locale.ROOT));
    }
    return waiting.isEmpty() ? "" : "not confirmed: " + String.join(", ", waiting);
  }

  private static boolean committed(CommitResult r) {
    return r.outcome() == CommitOutcome.COMMIT_OUTCOME_COMMITTED;
  }

  /** The one DVS holding the VM's ports. */
  private DvsConfig dvsOf(String vm) {
    List<DvsConfig> found = new ArrayList<>();
    for (DvsConfig c : service.configs()) {
      if (!vmPorts(c, vm).isEmpty()) {
        found.add(c);
      }
    }
    if (found.isEmpty()) {
      throw notFound("no port is connected to VM %s", vm);
    }
    if (found.size() > 1) {
      throw precondition(
          "VM %s has ports on %d DVSes; a migration moves the ports of one DVS", vm, found.size());
    }
    return found.get(0);
  }

  /** The ports of a DVS connected to NICs of the VM, in key order. */
  static List<Port> vmPorts(DvsConfig config, String vm) {
    List<Port> out = new ArrayList<>();
    for (Port p : config.ports().values()) {
      if (p.getConnectee().hasVmNic() && p.getConnectee().getVmNic().getVmUuid().equals(vm)) {
        out.add(p);
      }
    }
    out.sort(java.util.Comparator.comparing(Port::getKey));
    return out;
  }

  private static MigrationStep step(
      MigrationStepKind kind, boolean ok, long generation, long startNanos, String detail) {
    return MigrationStep.newBuilder()
        .setKind(kind)
        .setOk(ok)
        .setGeneration(generation)
        .setMicros(micros(startNanos))
        .setDetail(detail)
        .build();
  }

  private static long micros(long startNanos) {
    return Math.max(0, (System.nanoTime() - startNanos) / 1_000);
  }
}
