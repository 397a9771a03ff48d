package io.switchplane.manager.service;

import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostRestorePlan;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.audit.ChangeRecords;
import io.switchplane.manager.changeset.Author;
import io.switchplane.manager.changeset.ChangeSetPlanner;
import io.switchplane.manager.changeset.NamespaceLookup;
import io.switchplane.manager.changeset.OwnedNetworks;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import io.switchplane.manager.snapshot.HostPlans;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration domain: DVS lifecycle, change sets, host registry, and reads.
 *
 * <p>Writes happen only on the leader (elsewhere: UNAVAILABLE naming the leader). The leader keeps
 * every DVS configuration in memory, loaded when it became leader ({@link #activate}), because the
 * push side needs a whole {@link DvsConfig} per commit and re-reading tens of thousands of port
 * znodes per commit would be far too slow. Writes to one DVS are serialised by a lock per DVS; the
 * cache changes only after the ZooKeeper transaction succeeded, and the {@link CommitListener} is
 * then told, under the same lock, so it sees commits in order. Reads on the leader come from the
 * cache; on a follower they go to ZooKeeper.
 *
 * <p>The leader check and the per-DVS locks are {@link WriteGuard}'s, the cache and its lookups
 * {@link LeaderState}'s; creating, restoring as new and deleting a whole DVS is {@link
 * DvsLifecycle}'s.
 */
public final class ConfigService {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigService.class);

  /**
   * The outcome of a committed change set.
   *
   * @param after the configuration now stored (for an aborted atomic change set: the restored one)
   * @param outcome the atomic decision (UNSPECIFIED for best-effort)
   * @param committedGeneration the generation the change set got
   * @param detail why an atomic change set was aborted
   * @param unchanged the change set changed nothing: nothing stored nor pushed, after is the
   *     current configuration
   */
  public record CommitResult(
      DvsConfig after,
      Plan plan,
      int hostsAffected,
      CommitOutcome outcome,
      long committedGeneration,
      String detail,
      boolean unchanged) {
    public CommitResult(DvsConfig after, Plan plan, int hostsAffected) {
      this(
          after,
          plan,
          hostsAffected,
          CommitOutcome.COMMIT_OUTCOME_UNSPECIFIED,
          after.generation(),
          "",
          false);
    }

    /** A change set that changed nothing: the current configuration and generation stay. */
    static CommitResult unchanged(Plan plan) {
      DvsConfig current = plan.before();
      return new CommitResult(
          current,
          plan,
          0,
          CommitOutcome.COMMIT_OUTCOME_UNSPECIFIED,
          current.generation(),
          "",
          true);
    }

    public long generation() {
      return committedGeneration;
    }
  }

  private final DvsStore store;
  private final HostStore hosts;
  private final CommitListener listener;
  private final ChangeSetPlanner planner;
  private final AtomicCommits atomic;
  private final CommitHook hook;
  private final WriteGuard guard;
  private final DvsLifecycle lifecycle;
  private final ChangeRecords records;
  private final LeaderView leaderView;
  private final UnaryOperator<Plan> addresses;

  /** Leadership per DVS: whether this manager also leads the cluster-wide writes. */
  private volatile boolean clusterLead;

  /** Who this manager is and who leads, for the UNAVAILABLE message of a write on a non-leader. */
  public interface LeaderView {
    /** This manager's id. */
    String selfId();

    /** The current leader's id, empty while none is elected. */
    String leaderId();
  }

  /**
   * Leadership per DVS: the refusal of a write of a DVS this manager does not own now (it exists):
   * FAILED_PRECONDITION with reason NOT_DVS_OWNER naming the owner, or UNAVAILABLE while ownership
   * moves.
   */
  public interface OwnerRefusal {
    SwitchplaneException notOwner(String dvsId, String dvsName);

    /**
     * Waits briefly for this manager to own dvsId (a DVS just created, or handed over to it); true
     * when it owns it, loaded, by then.
     */
    boolean awaitOwned(String dvsId);
  }

  /** Told of change sets under the DVS's lock: the implicit checkpoints hang here. */
  public interface CommitHook {
    CommitHook NONE =
        new CommitHook() {
          @Override
          public void before(DvsConfig base) {}

          @Override
          public void after(DvsConfig committed) {}
        };

    /**
     * Before a planned change set is stored; base is what it was planned against. Throwing refuses
     * it.
     */
    void before(DvsConfig base);

    /** After a change set (or a new DVS) is stored and handed to the push side; must not throw. */
    void after(DvsConfig committed);
  }

  /**
   * What a full manager plugs into the service beyond its store; {@link #NONE} for the core alone.
   *
   * @param namespaces the registered property namespaces (property ops name one)
   * @param hook told of every change set (the implicit checkpoints)
   * @param addresses completes and checks the VMkernel ports' addresses of an operator's change set
   *     before it is stored ({@code VmkAddresses#assign}); may refuse it
   */
  public record Extensions(
      NamespaceLookup namespaces, CommitHook hook, UnaryOperator<Plan> addresses) {
    public static final Extensions NONE =
        new Extensions(ns -> false, CommitHook.NONE, UnaryOperator.identity());

    public Extensions {
      Objects.requireNonNull(namespaces, "namespaces");
      Objects.requireNonNull(hook, "hook");
      Objects.requireNonNull(addresses, "addresses");
    }

    public Extensions withNamespaces(NamespaceLookup lookup) {
      return new Extensions(lookup, hook, addresses);
    }
  }

  public ConfigService(
      DvsStore store, HostStore hosts, CommitListener listener, LeaderView leaderView) {
    this(store, hosts, listener, leaderView, Extensions.NONE);
  }

  public ConfigService(
      DvsStore store,
      HostStore hosts,
      CommitListener listener,
      LeaderView leaderView,
      Extensions extensions) {
    this.addresses = extensions.addresses();
    this.store = Objects.requireNonNull(store, "store");
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.planner = new ChangeSetPlanner(hosts, extensions.namespaces());
    this.leaderView = Objects.requireNonNull(leaderView, "leaderView");
    this.guard = new WriteGuard(leaderView);
    this.records = new ChangeRecords(Clock.systemUTC(), this::hostName);
    this.atomic = new AtomicCommits(store, listener, ManagerFaults.fromSystemProperties(), records);
    this.hook = extensions.hook();
    this.lifecycle = new DvsLifecycle(store, listener, hook, guard, records);
  }

  // ---- leadership ----

  /**
   * Became leader: loads every DVS, hands them to beforeOpen (the push engine), then accepts
   * writes. Returns the loaded configurations.
   */
  public List<DvsConfig> activate(Consumer<List<DvsConfig>> beforeOpen) {
    List<DvsConfig> all = store.loadAll().stream().map(atomic::recover).toList();
    LeaderState state = new LeaderState(all);
    beforeOpen.accept(all);
    guard.lead(state);
    LOG.info(
        "leader state loaded: {} DVS, {} ports",
        all.size(),
        all.stream().mapToInt(c -> c.ports().size()).sum());
    return all;
  }

  /** Lost leadership: stop accepting writes and drop the cache. */
  public void deactivate() {
    guard.stepDown();
  }

  /**
   * Leadership per DVS, instead of {@link #activate}: from now on this manager writes exactly the
   * DVSes it owns ({@link #gained}, {@link #lost}) and refuses writes of the others as refusal
   * says. Writes of the whole cluster (hosts, what {@link #checkLeader} guards) stay with the
   * cluster leader ({@link #leadCluster}). Reads of DVSes not owned here go to ZooKeeper. A write
   * of a DVS still held here whose ownership is already gone is refused as the store's write fence
   * refuses it ({@link DvsStore#requireWritable}), before it is planned on a copy that may be
   * stale.
   */
  public void ownDvses(OwnerRefusal refusal) {
    Objects.requireNonNull(refusal, "refusal");
    guard.lead(
        new LeaderState(
            List.of(),
            new LeaderState.Missing() {
              @Override
              public SwitchplaneException of(String ref) {
                return storedDvs(ref)
                    .map(d -> refusal.notOwner(d.getId(), d.getName()))
                    .orElseGet(() -> notFound("DVS '%s' not found", ref));
              }

              @Override
              public boolean awaitHeld(String ref) {
                return storedDvs(ref).map(d -> refusal.awaitOwned(d.getId())).orElse(false);
              }
            },
            store::requireWritable));
  }

  /**
   * Leadership per DVS: this manager now owns dvsId. Under the DVS's lock, loads it (deciding an
   * atomic change set its previous owner left undecided, fenced at the new epoch), hands it to
   * beforeOpen (the push engine adopts it) and accepts its writes. NOT_FOUND when it is gone.
   */
  public DvsConfig gained(String dvsId, Consumer<DvsConfig> beforeOpen) {
    LeaderState state = guard.require();
    return guard.locked(
        dvsId,
        state,
        () -> {
          DvsConfig config =
              store
                  .load(dvsId)
                  .map(atomic::recover)
                  .orElseThrow(() -> notFound("DVS '%s' not found", dvsId));
          beforeOpen.accept(config);
          state.put(dvsId, config);
          LOG.info("owning DVS {} at generation {}", config.dvs().getName(), config.generation());
          return config;
        });
  }

  /**
   * Leadership per DVS: this manager no longer owns dvsId. Waits for a write of it in progress,
   * then refuses its writes and runs afterClosed (the push engine releases it) before returning.
   */
  public void lost(String dvsId, Runnable afterClosed) {
    LeaderState state = guard.current();
    if (state == null) {
      afterClosed.run();
      return;
    }
    guard.locked(
        dvsId,
        state,
        () -> {
          state.remove(dvsId);
          afterClosed.run();
          return null;
        });
  }

  /** Leadership per DVS: whether this manager now also leads the cluster-wide writes. */
  public void leadCluster(boolean leads) {
    clusterLead = leads;
  }

  /**
   * Whether this manager accepts writes: it leads and has loaded its state; with leadership per
   * DVS, whether it leads the cluster-wide writes (it writes the DVSes it owns regardless).
   */
  public boolean isLeader() {
    LeaderState state = guard.current();
    return state != null && (!state.partial() || clusterLead);
  }

  /** Whether this manager runs leadership per DVS ({@link #ownDvses}). */
  public boolean ownsPerDvs() {
    LeaderState state = guard.current();
    return state != null && state.partial();
  }

  /** The id of the stored DVS ref names (id or name), read in ZooKeeper (its record only). */
  public Optional<String> storedDvsId(String ref) {
    return storedDvs(ref).map(Dvs::getId);
  }

  /**
   * Leadership per DVS: NOT_DVS_OWNER naming its owner (or UNAVAILABLE while ownership moves)
   * unless this manager owns the DVS ref names, after the same short wait for a claim as a write;
   * NOT_FOUND when there is none. Nothing with one leader for every DVS (it leads or refuses).
   */
  public void requireOwned(String ref) {
    LeaderState state = guard.require();
    if (state.partial()) {
      state.byRef(ref);
    }
  }

  /** A stored DVS record by id or name, read in ZooKeeper. */
  private Optional<Dvs> storedDvs(String ref) {
    return store
        .readDvs(ref)
        .map(DvsStore.VersionedDvs::dvs)
        .or(() -> store.idByName(ref).flatMap(store::readDvs).map(DvsStore.VersionedDvs::dvs));
  }

  /** UNAVAILABLE (naming the leader) unless this manager may make cluster-wide writes. */
  private void requireCluster() {
    LeaderState state = guard.require();
    if (state.partial() && !clusterLead) {
      String leader = leaderView.leaderId();
      throw leader == null || leader.isEmpty()
          ? SwitchplaneException.unavailable(
              "not the leader; no leader is elected yet, retry shortly")
          : SwitchplaneException.unavailable("not the leader; the leader is %s", leader);
    }
  }

  // ---- writes ----

  /** Creates a DVS at generation 1 (defaults in {@link ChangeSetPlanner#newDvs}). */
  public DvsConfig createDvs(Dvs requested) {
    return lifecycle.create(requested);
  }

  /**
   * What a change set would do, without doing it.
   *
   * @param plan as the commit would make it (same checks, same errors)
   * @param changes each entity that would change, with old and new values
   * @param hosts the member hosts that would be pushed a new state (or leave)
   */
  public record Preview(Plan plan, List<EntityChange> changes, List<HostRestorePlan> hosts) {}

  /**
   * Plans ops as {@link #commit} would, against the current configuration, and stores and pushes
   * nothing: a dry run. Served by the leader, like the commit it previews.
   */
  public Preview preview(String dvsRef, List<ChangeOp> ops, long expectedGeneration) {
    LeaderState state = guard.require();
    String id = state.byRef(dvsRef).id();
    Plan plan =
        guard.locked(
            id, state, () -> plan(state, id, dvsRef, ops, expectedGeneration, Author.OPERATOR));
    if (plan.changesNothing()) {
      return new Preview(plan, List.of(), List.of());
    }
    Set<String> affected = CommittedChange.of(plan.before(), plan.after()).hosts();
    List<HostRestorePlan> hosts =
        HostPlans.of(plan.before(), plan.after(), this::hostName).stream()
            .filter(h -> affected.contains(h.getHostId()))
            .toList();
    return new Preview(plan, records.changes(plan), hosts);
  }

  /**
   * Applies ops to a DVS as one change set (one transaction, generation + 1). expectedGeneration
   * non-zero and different from the current one: ABORTED. A change set that changes nothing is not
   * stored nor pushed: the result is the current generation, marked unchanged.
   */
  public CommitResult commit(
      String dvsRef, List<ChangeOp> ops, long expectedGeneration, String description) {
    return commit(dvsRef, ops, expectedGeneration, description, CommitOptions.DEFAULT);
  }

  /**
   * As {@link #commit(String, List, long, String)}, pushed as options say. Best-effort returns once
   * stored; atomic returns once decided (see {@link AtomicCommits}).
   */
  public CommitResult commit(
      String dvsRef,
      List<ChangeOp> ops,
      long expectedGeneration,
      String description,
      CommitOptions options) {
    return commit(dvsRef, ops, expectedGeneration, description, options, Author.OPERATOR);
  }

  /**
   * As {@link #commit(String, List, long, String, CommitOptions)}, planned for author: a network
   * manager's writes to the networks it owns take this same path (see {@link OwnedNetworks}).
   */
  public CommitResult commit(
      String dvsRef,
      List<ChangeOp> ops,
      long expectedGeneration,
      String description,
      CommitOptions options,
      Author author) {
    LeaderState state = guard.require();
    String id = state.byRef(dvsRef).id();
    return guard.locked(
        id,
        state,
        () -> {
          Plan planned = plan(state, id, dvsRef, ops, expectedGeneration, author);
          if (planned.changesNothing()) {
            LOG.info(
                "DVS {}: {} op(s) change nothing; generation {} stays",
                planned.before().dvs().getName(),
                ops.size(),
                planned.before().generation());
            return CommitResult.unchanged(planned);
          }
          for (int attempt = 1; ; attempt++) {
            Plan plan = addresses.apply(planned);
            try {
              return commitPlan(state, plan, ops.size(), "change-set", description, options);
            } catch (SwitchplaneException e) {
              // An address this manager chose was taken by another manager meanwhile: choose again.
              if (attempt >= 3 || !chosenAndTaken(planned, plan, e)) {
                throw e;
              }
            }
          }
        });
  }

  /** Whether e refuses an address that addresses chose (the operator gave none). */
  private static boolean chosenAndTaken(Plan planned, Plan assigned, SwitchplaneException e) {
    if (e.reason().orElse(null) != ErrorReason.VMK_ADDRESS_TAKEN) {
      return false;
    }
    String address = e.metadata().getOrDefault("address", "");
    for (io.switchplane.api.v1.Port p : assigned.after().ports().values()) {
      io.switchplane.api.v1.Port asked = planned.after().ports().get(p.getKey());
      String now = p.getConnectee().getVmkNic().getAddress();
      if (asked != null
          && !asked.equals(p)
          && (now.equals(address) || now.startsWith(address + "/"))) {
        return true;
      }
    }
    return false;
  }

  /** Plans ops against the current configuration of DVS id. Lock of the DVS held. */
  private Plan plan(
      LeaderState state,
      String id,
      String dvsRef,
      List<ChangeOp> ops,
      long expectedGeneration,
      Author author) {
    DvsConfig before = state.forWrite(id, dvsRef, expectedGeneration);
    Plan plan = planner.plan(before, ops, author);
    if (!before.dvs().getName().equals(plan.after().dvs().getName())) {
      state.requireFreeName(plan.after().dvs().getName(), id);
    }
    return plan;
  }

  /** A host's name for messages; its id when the registry no longer knows it. */
  private String hostName(String hostId) {
    return hosts.host(hostId).map(Host::getName).orElse(hostId);
  }

  /**
   * Replaces the whole configuration of a DVS with target (a restore) as one change set: the DVS
   * keeps its id and generation line, everything else becomes target's. The caller has validated
   * target as a whole (it is not planned op by op). PERMISSION_DENIED (reason NETWORK_OWNED) when
   * it would change, remove or bring back a port group a network manager owns.
   */
  public CommitResult replace(
      String dvsId,
      DvsConfig target,
      long expectedGeneration,
      String description,
      CommitOptions options) {
    LeaderState state = guard.require();
    return guard.locked(
        dvsId,
        state,
        () -> {
          DvsConfig before = state.forWrite(dvsId, dvsId, expectedGeneration);
          OwnedNetworks.requireKept(before, target);
          if (!before.dvs().getName().equals(target.dvs().getName())) {
            state.requireFreeName(target.dvs().getName(), dvsId);
          }
          Plan plan = WholePlans.replace(before, target);
          return commitPlan(state, plan, plan.writes().size(), "restore", description, options);
        });
  }

  /**
   * Puts ports (whole records, by key) into DVS dvsId as one change set of kind "migration": the
   * migration's own path, the only one that sets or clears {@code Port.migration}. The caller built
   * each port from the stored one and checked that its hosts are members; expectedGeneration as in
   * {@link #commit}. A set that changes nothing is not stored.
   */
  public CommitResult putPorts(
      String dvsId,
      List<io.switchplane.api.v1.Port> ports,
      long expectedGeneration,
      String description,
      CommitOptions options) {
    LeaderState state = guard.require();
    return guard.locked(
        dvsId,
        state,
        () -> {
          DvsConfig before = state.forWrite(dvsId, dvsId, expectedGeneration);
          DvsConfig.Builder target = before.toBuilder();
          ports.forEach(p -> target.ports().put(p.getKey(), p));
          Plan plan = WholePlans.replace(before, target.build());
          if (plan.writes().isEmpty()) {
            return CommitResult.unchanged(plan);
          }
          return commitPlan(state, plan, ports.size(), "migration", description, options);
        });
  }

  /**
   * Stores a whole new DVS (a restore as a new switch) in one transaction at target's generation
   * and pushes it. ALREADY_EXISTS when its id or name is taken.
   */
  public DvsConfig createRestored(DvsConfig target, CommitOptions options) {
    return lifecycle.createRestored(target, options);
  }

  /** Stores a planned change set and tells the push side. Lock of the DVS held. */
  private CommitResult commitPlan(
      LeaderState state,
      Plan plan,
      int opCount,
      String kind,
      String description,
      CommitOptions options) {
    DvsConfig before = plan.before();
    String id = before.id();
    hook.before(before);
    if (options.atomic()) {
      CommitResult decided =
          atomic.commit(
              plan,
              options,
              opCount,
              description,
              committed -> state.put(id, committed),
              () -> guard.requireStill(state));
      hook.after(decided.after());
      return decided;
    }
    ChangeRecord audit = records.record(kind, plan, opCount, description);
    state.storeOrReload(store, id, () -> store.commit(plan, audit));
    state.put(id, plan.after());
    CommittedChange change = CommittedChange.of(before, plan.after());
    int hostsAffected = change.affected().changed().size() + change.affected().left().size();
    LOG.info(
        "DVS {} at generation {}: {} op(s), {} write(s), {} host(s) affected{}",
        before.dvs().getName(),
        plan.after().generation(),
        opCount,
        plan.writes().size(),
        hostsAffected,
        description.isEmpty() ? "" : " - " + description);
    PushIntent intent = PushIntent.bestEffort(options.confirmTimeoutMs());
    notifyListener(() -> listener.committed(change, intent));
    hook.after(plan.after());
    return new CommitResult(plan.after(), plan, hostsAffected);
  }

  /**
   * Deletes a DVS. FAILED_PRECONDITION while it has ports; PERMISSION_DENIED (reason NETWORK_OWNED)
   * while a network manager owns a port group of it. Returns its last configuration.
   */
  public DvsConfig deleteDvs(String dvsRef, long expectedGeneration) {
    return lifecycle.delete(dvsRef, expectedGeneration);
  }

  /** Registers a host. ALREADY_EXISTS when the name is taken. */
  public Host registerHost(String name, String endpoint) {
    requireCluster();
    return hosts.register(name, endpoint);
  }

  /** Registers a host under its original id (recovery); idempotent for exactly that host. */
  public Host restoreHost(Host host) {
    requireCluster();
    return hosts.restore(host);
  }

  /** Unregisters a host. FAILED_PRECONDITION while it is a member of a DVS. */
  public Host removeHost(String hostRef) {
    requireCluster();
    return hosts.remove(hostRef);
  }

  // ---- reads ----

  /** One DVS with its port groups and ports. NOT_FOUND when unknown. */
  public DvsConfig config(String dvsRef) {
    LeaderState state = guard.current();
    if (state != null && !state.partial()) {
      return state.byRef(dvsRef);
    }
    if (state != null) {
      Optional<DvsConfig> owned = state.find(dvsRef);
      if (owned.isPresent()) {
        return owned.get();
      }
    }
    return store
        .readDvs(dvsRef)
        .map(v -> v.dvs().getId())
        .or(() -> store.idByName(dvsRef))
        .flatMap(store::load)
        .orElseThrow(() -> notFound("DVS '%s' not found", dvsRef));
  }

  /** As {@link #config(String)}, empty instead of NOT_FOUND. */
  public Optional<DvsConfig> findConfig(String dvsRef) {
    try {
      return Optional.of(config(dvsRef));
    } catch (SwitchplaneException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /** Every DVS record, sorted by name. */
  public List<Dvs> listDvs() {
    LeaderState state = guard.current();
    if (state != null && !state.partial()) {
      return state.all().stream()
          .map(DvsConfig::dvs)
          .sorted(Comparator.comparing(Dvs::getName))
          .toList();
    }
    return store.listDvs().stream().map(DvsStore.VersionedDvs::dvs).toList();
  }

  /** Every DVS configuration (leader: the cache; follower: a full read of ZooKeeper). */
  public List<DvsConfig> configs() {
    LeaderState state = guard.current();
    return state != null && !state.partial() ? List.copyOf(state.all()) : store.loadAll();
  }

  public List<Host> listHosts() {
    return hosts.list();
  }

  /** A registered host by id or name, from the registry's cache (ZooKeeper on a miss). */
  public Optional<Host> findHost(String idOrName) {
    return hosts.find(idOrName);
  }

  /** A registered host by id or name. NOT_FOUND when unknown. */
  public Host host(String hostRef) {
    return hosts.find(hostRef).orElseThrow(() -> notFound("host '%s' is not registered", hostRef));
  }

  // ---- helpers ----

  /**
   * UNAVAILABLE (naming the leader) unless this manager leads: for writes outside change sets (with
   * leadership per DVS: unless it leads the cluster-wide writes).
   */
  public void checkLeader() {
    requireCluster();
  }

  /**
   * The write is durable already: a failing listener must not turn it into an error for the
   * operator.
   */
  static void notifyListener(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.error(
          "commit listener failed; the change is stored and will be pushed on the next resync", e);
    }
  }
}
