package io.switchplane.manager.service;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.changeset.ChangeSetPlanner;
import io.switchplane.manager.changeset.NamespaceLookup;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.AffectedHosts;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.PushIntent;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration domain: DVS lifecycle, change sets, host registry, and reads.
 *
 * <p>Writes happen only on the leader (elsewhere: UNAVAILABLE naming the leader). The leader
 * keeps every DVS configuration in memory, loaded when it became leader ({@link #activate}),
 * because the push side needs a whole {@link DvsConfig} per commit and re-reading tens of
 * thousands of port znodes per commit would be far too slow. Writes to one DVS are serialised
 * by a lock per DVS; the cache changes only after the ZooKeeper transaction succeeded, and the
 * {@link CommitListener} is then told, under the same lock, so it sees commits in order.
 * Reads on the leader come from the cache; on a follower they go to ZooKeeper.
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
   */
  public record CommitResult(DvsConfig after, Plan plan, int hostsAffected, CommitOutcome outcome,
      long committedGeneration, String detail) {
    public CommitResult(DvsConfig after, Plan plan, int hostsAffected) {
      this(after, plan, hostsAffected, CommitOutcome.COMMIT_OUTCOME_UNSPECIFIED, after.generation(), "");
    }

    public long generation() {
      return committedGeneration;
    }
  }

  /** What only the leader has; replaced as a whole so a stale writer can tell it lost leadership. */
  private static final class LeaderState {
    final Map<String, DvsConfig> configs = new ConcurrentHashMap<>();
  }

  private final DvsStore store;
  private final HostStore hosts;
  private final CommitListener listener;
  private final ChangeSetPlanner planner;
  private final LeaderView leaderView;
  private final AtomicCommits atomic;
  private final CommitHook hook;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private volatile LeaderState leader;

  /** Who this manager is and who leads, for the UNAVAILABLE message of a write on a non-leader. */
  public interface LeaderView {
    /** This manager's id. */
    String selfId();

    /** The current leader's id, empty while none is elected. */
    String leaderId();
  }

  /** Told of change sets under the DVS's lock: the implicit checkpoints hang here. */
  public interface CommitHook {
    CommitHook NONE = new CommitHook() {
      @Override
      public void before(DvsConfig base) {}

      @Override
      public void after(DvsConfig committed) {}
    };

    /** Before a planned change set is stored; base is what it was planned against. Throwing refuses it. */
    void before(DvsConfig base);

    /** After a change set (or a new DVS) is stored and handed to the push side; must not throw. */
    void after(DvsConfig committed);
  }

  public ConfigService(DvsStore store, HostStore hosts, CommitListener listener, LeaderView leaderView) {
    this(store, hosts, ns -> false, listener, leaderView, CommitHook.NONE);
  }

  /** @param namespaces the registered property namespaces (property ops name one) */
  public ConfigService(DvsStore store, HostStore hosts, NamespaceLookup namespaces, CommitListener listener,
      LeaderView leaderView) {
    this(store, hosts, namespaces, listener, leaderView, CommitHook.NONE);
  }

  /** @param hook told of every change set (the implicit checkpoints) */
  public ConfigService(DvsStore store, HostStore hosts, NamespaceLookup namespaces, CommitListener listener,
      LeaderView leaderView, CommitHook hook) {
    this.store = Objects.requireNonNull(store, "store");
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.planner = new ChangeSetPlanner(hosts, namespaces);
    this.leaderView = Objects.requireNonNull(leaderView, "leaderView");
    this.atomic = new AtomicCommits(store, listener, ManagerFaults.fromSystemProperties());
    this.hook = Objects.requireNonNull(hook, "hook");
  }

  // ---- leadership ----

  /**
   * Became leader: loads every DVS, hands them to beforeOpen (the push engine), then accepts writes.
   * Returns the loaded configurations.
   */
  public List<DvsConfig> activate(Consumer<List<DvsConfig>> beforeOpen) {
    List<DvsConfig> all = store.loadAll().stream().map(atomic::recover).toList();
    LeaderState state = new LeaderState();
    all.forEach(c -> state.configs.put(c.id(), c));
    beforeOpen.accept(all);
    leader = state;
    LOG.info("leader state loaded: {} DVS, {} ports", all.size(), all.stream().mapToInt(c -> c.ports().size()).sum());
    return all;
  }

  /** Lost leadership: stop accepting writes and drop the cache. */
  public void deactivate() {
    leader = null;
  }

  /** Whether this manager leads and has loaded its state (writes are accepted). */
  public boolean isLeader() {
    return leader != null;
  }

  // ---- writes ----

  /** Creates a DVS at generation 1 (defaults in {@link ChangeSetPlanner#newDvs}). */
  public DvsConfig createDvs(Dvs requested) {
    LeaderState state = requireLeader();
    String id = UUID.randomUUID().toString();
    Dvs dvs = ChangeSetPlanner.newDvs(id, requested);
    requireFreeName(state, dvs.getName(), id);
    ReentrantLock lock = lockFor(id);
    lock.lock();
    try {
      requireStillLeader(state);
      store.create(dvs);
      DvsConfig created = DvsConfig.of(dvs, Map.of(), Map.of());
      state.configs.put(id, created);
      LOG.info("created DVS {} ({})", dvs.getName(), id);
      notifyListener(() -> listener.committed(null, created, PushIntent.BEST_EFFORT));
      hook.after(created);
      return created;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Applies ops to a DVS as one change set (one transaction, generation + 1). expectedGeneration
   * non-zero and different from the current one: ABORTED.
   */
  public CommitResult commit(String dvsRef, List<ChangeOp> ops, long expectedGeneration, String description) {
    return commit(dvsRef, ops, expectedGeneration, description, CommitOptions.DEFAULT);
  }

  /**
   * As {@link #commit(String, List, long, String)}, pushed as options say. Best-effort returns
   * once stored; atomic returns once decided (see {@link AtomicCommits}).
   */
  public CommitResult commit(String dvsRef, List<ChangeOp> ops, long expectedGeneration, String description,
      CommitOptions options) {
    LeaderState state = requireLeader();
    String id = cached(state, dvsRef).id();
    ReentrantLock lock = lockFor(id);
    lock.lock();
    try {
      requireStillLeader(state);
      DvsConfig before = state.configs.get(id);
      if (before == null) {
        throw notFound("DVS '%s' not found", dvsRef);
      }
      checkExpected(before, expectedGeneration);
      Plan plan = planner.plan(before, ops);
      if (!before.dvs().getName().equals(plan.after().dvs().getName())) {
        requireFreeName(state, plan.after().dvs().getName(), id);
      }
      return commitPlan(state, plan, ops.size(), description, options);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replaces the whole configuration of a DVS with target (a restore) as one change set: the
   * DVS keeps its id and generation line, everything else becomes target's. The caller has
   * validated target as a whole (it is not planned op by op).
   */
  public CommitResult replace(String dvsId, DvsConfig target, long expectedGeneration, String description,
      CommitOptions options) {
    LeaderState state = requireLeader();
    ReentrantLock lock = lockFor(dvsId);
    lock.lock();
    try {
      requireStillLeader(state);
      DvsConfig before = state.configs.get(dvsId);
      if (before == null) {
        throw notFound("DVS '%s' not found", dvsId);
      }
      checkExpected(before, expectedGeneration);
      if (!before.dvs().getName().equals(target.dvs().getName())) {
        requireFreeName(state, target.dvs().getName(), dvsId);
      }
      Plan plan = WholePlans.replace(before, target);
      return commitPlan(state, plan, plan.writes().size(), description, options);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stores a whole new DVS (a restore as a new switch) in one transaction at target's generation
   * and pushes it. ALREADY_EXISTS when its id or name is taken.
   */
  public DvsConfig createRestored(DvsConfig target, CommitOptions options) {
    LeaderState state = requireLeader();
    String id = target.id();
    requireFreeName(state, target.dvs().getName(), id);
    ReentrantLock lock = lockFor(id);
    lock.lock();
    try {
      requireStillLeader(state);
      if (state.configs.containsKey(id)) {
        throw alreadyExists("a DVS with id %s exists already ('%s')", id, state.configs.get(id).dvs().getName());
      }
      store.createWhole(target);
      state.configs.put(id, target);
      LOG.info("restored DVS {} ({}) at generation {}: {} port groups, {} ports", target.dvs().getName(), id,
          target.generation(), target.portGroups().size(), target.ports().size());
      PushIntent intent = PushIntent.bestEffort(options.confirmTimeoutMs());
      notifyListener(() -> listener.committed(null, target, intent));
      hook.after(target);
      return target;
    } finally {
      lock.unlock();
    }
  }

  /** Stores a planned change set and tells the push side. Lock of the DVS held. */
  private CommitResult commitPlan(LeaderState state, Plan plan, int opCount, String description,
      CommitOptions options) {
    DvsConfig before = plan.before();
    String id = before.id();
    hook.before(before);
    if (options.atomic()) {
      CommitResult decided = atomic.commit(plan, options, description, committed -> state.configs.put(id, committed),
          () -> requireStillLeader(state));
      hook.after(decided.after());
      return decided;
    }
    try {
      store.commit(plan);
    } catch (SwitchplaneException e) {
      if (e.code() == ErrorCode.ABORTED) {
        refresh(state, id);
      }
      throw e;
    }
    state.configs.put(id, plan.after());
    AffectedHosts.Result affected = AffectedHosts.compute(before, plan.after());
    int hostsAffected = affected.changed().size() + affected.left().size();
    LOG.info("DVS {} at generation {}: {} op(s), {} write(s), {} host(s) affected{}", before.dvs().getName(),
        plan.after().generation(), opCount, plan.writes().size(), hostsAffected,
        description.isEmpty() ? "" : " - " + description);
    PushIntent intent = PushIntent.bestEffort(options.confirmTimeoutMs());
    notifyListener(() -> listener.committed(before, plan.after(), intent));
    hook.after(plan.after());
    return new CommitResult(plan.after(), plan, hostsAffected);
  }

  /** Deletes a DVS. FAILED_PRECONDITION while it has ports. Returns its last configuration. */
  public DvsConfig deleteDvs(String dvsRef, long expectedGeneration) {
    LeaderState state = requireLeader();
    String id = cached(state, dvsRef).id();
    ReentrantLock lock = lockFor(id);
    lock.lock();
    try {
      requireStillLeader(state);
      DvsConfig last = state.configs.get(id);
      if (last == null) {
        throw notFound("DVS '%s' not found", dvsRef);
      }
      checkExpected(last, expectedGeneration);
      if (!last.ports().isEmpty()) {
        throw SwitchplaneException.precondition("DVS '%s' still has %d port(s); delete them first",
            last.dvs().getName(), last.ports().size());
      }
      try {
        store.delete(last);
      } catch (SwitchplaneException e) {
        if (e.code() == ErrorCode.ABORTED) {
          refresh(state, id);
        }
        throw e;
      }
      state.configs.remove(id);
      LOG.info("deleted DVS {} ({}) at generation {}", last.dvs().getName(), id, last.generation());
      notifyListener(() -> listener.deleted(last));
      return last;
    } finally {
      lock.unlock();
    }
  }

  /** Registers a host. ALREADY_EXISTS when the name is taken. */
  public Host registerHost(String name, String endpoint) {
    requireLeader();
    return hosts.register(name, endpoint);
  }

  /** Registers a host under its original id (recovery); idempotent for exactly that host. */
  public Host restoreHost(Host host) {
    requireLeader();
    return hosts.restore(host);
  }

  /** Unregisters a host. FAILED_PRECONDITION while it is a member of a DVS. */
  public Host removeHost(String hostRef) {
    requireLeader();
    return hosts.remove(hostRef);
  }

  // ---- reads ----

  /** One DVS with its port groups and ports. NOT_FOUND when unknown. */
  public DvsConfig config(String dvsRef) {
    LeaderState state = leader;
    if (state != null) {
      return cached(state, dvsRef);
    }
    return store.readDvs(dvsRef).map(v -> v.dvs().getId())
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
    LeaderState state = leader;
    if (state != null) {
      return state.configs.values().stream().map(DvsConfig::dvs).sorted(Comparator.comparing(Dvs::getName)).toList();
    }
    return store.listDvs().stream().map(DvsStore.VersionedDvs::dvs).toList();
  }

  /** Every DVS configuration (leader: the cache; follower: a full read of ZooKeeper). */
  public List<DvsConfig> configs() {
    LeaderState state = leader;
    return state != null ? List.copyOf(state.configs.values()) : store.loadAll();
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

  /** UNAVAILABLE (naming the leader) unless this manager leads: for writes outside change sets. */
  public void checkLeader() {
    requireLeader();
  }

  private LeaderState requireLeader() {
    LeaderState state = leader;
    if (state == null) {
      throw notLeader();
    }
    return state;
  }

  private void requireStillLeader(LeaderState state) {
    if (leader != state) {
      throw notLeader();
    }
  }

  private SwitchplaneException notLeader() {
    String id = leaderView.leaderId();
    if (id == null || id.isEmpty()) {
      return SwitchplaneException.unavailable("not the leader; no leader is elected yet, retry shortly");
    }
    if (id.equals(leaderView.selfId())) {
      return SwitchplaneException.unavailable("this manager was just elected leader and is loading its state; "
          + "retry shortly");
    }
    return SwitchplaneException.unavailable("not the leader; the leader is %s", id);
  }

  private DvsConfig cached(LeaderState state, String ref) {
    if (ref.isEmpty()) {
      throw SwitchplaneException.invalid("DVS missing: give its id or name");
    }
    DvsConfig byId = state.configs.get(ref);
    if (byId != null) {
      return byId;
    }
    return findByName(state, ref).orElseThrow(() -> notFound("DVS '%s' not found", ref));
  }

  private static Optional<DvsConfig> findByName(LeaderState state, String name) {
    return state.configs.values().stream().filter(c -> c.dvs().getName().equals(name)).findFirst();
  }

  private static void requireFreeName(LeaderState state, String name, String exceptId) {
    Optional<DvsConfig> other = findByName(state, name);
    if (other.isPresent() && !other.get().id().equals(exceptId)) {
      throw alreadyExists("a DVS named '%s' exists already", name);
    }
  }

  private static void checkExpected(DvsConfig current, long expected) {
    if (expected != 0 && expected != current.generation()) {
      throw SwitchplaneException.aborted("DVS '%s' is at generation %d, not the expected %d; re-read and retry",
          current.dvs().getName(), current.generation(), expected);
    }
  }

  /** After a conflict the cache may be stale (another writer): reload that DVS so a retry works. */
  private void refresh(LeaderState state, String id) {
    Optional<DvsConfig> fresh;
    try {
      fresh = store.load(id);
    } catch (SwitchplaneException e) {
      // Keep the stale entry: the next write fails the version check again and retries the reload.
      LOG.warn("could not reload DVS {} after a conflict: {}", id, e.getMessage());
      return;
    }
    if (fresh.isPresent()) {
      state.configs.put(id, fresh.get());
    } else {
      state.configs.remove(id);
    }
    LOG.warn("DVS {} changed behind this leader's back; cache reloaded at generation {}", id,
        fresh.map(c -> Long.toString(c.generation())).orElse("(deleted)"));
  }

  private ReentrantLock lockFor(String id) {
    return locks.computeIfAbsent(id, k -> new ReentrantLock());
  }

  /** The write is durable already: a failing listener must not turn it into an error for the operator. */
  private static void notifyListener(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.error("commit listener failed; the change is stored and will be pushed on the next resync", e);
    }
  }
}
