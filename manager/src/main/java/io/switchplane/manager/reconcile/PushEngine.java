package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.agents.OwnedThreads;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.rpc.metrics.Metrics;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's push side: turns committed configurations into final host states and pushes them to
 * the agents, in parallel and bounded, one call at a time per (DVS, host), coalescing, retrying
 * with backoff, and keeping a per-host status.
 *
 * <p>Lifecycle (like Curator's LeaderLatch): constructed LATENT (no I/O, no threads), then {@link
 * #start()}, then any number of {@link #activate}/{@link #deactivate} rounds as leadership comes
 * and goes, then {@link #close()}. Commits and deletions arriving while not active are ignored:
 * {@link #activate} reads the whole desired state anyway.
 *
 * <p>Threads: none per push. Calls are async; completions run on the agent channels' pool; a single
 * engine thread starts the calls a commit queued and fires retries. The methods of {@link
 * CommitListener} cost O(affected hosts) on the caller's thread and do no I/O; a DVS's commits are
 * taken in the order told, commits to different DVSes concurrently. Calls in flight over all hosts
 * are bounded by {@link PushSettings#maxInFlight()} (changeable with {@link #setMaxInFlight}).
 */
public final class PushEngine implements CommitListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PushEngine.class);

  private enum State {
    LATENT,
    STARTED,
    CLOSED
  }

  private record Key(String dvsId, String hostId) {}

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final AgentChannels channels;
  private final boolean ownsChannels;

  /** Read here; written only through the recorder. */
  private final HostStatusBook book = new HostStatusBook();

  private final EventLog events = new EventLog();
  private final Metrics metrics = new Metrics();
  private final PushRecorder recorder;
  private final PushStages stages = new PushStages();
  private final OwnedThreads threads = new OwnedThreads();
  private final HostOperations hostOperations;
  private final DriftSweep driftSweep;
  private final PushSettings settings;
  private final PushDispatcher dispatcher;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ConcurrentHashMap<Key, HostPusher> pushers = new ConcurrentHashMap<>();
  private final PushContext ctx;

  /**
   * Leadership changes take it exclusively; commits share it, so a commit is never half-seen by an
   * activation and commits to different DVSes do not wait for each other.
   */
  private final ReentrantReadWriteLock leadership = new ReentrantReadWriteLock();

  /**
   * One lock per DVS, taken inside {@link #leadership}'s shared side: a DVS's commits are handled
   * in the order they were told (its writers tell them in generation order). Pruned only under the
   * exclusive side, when no commit can hold one.
   */
  private final ConcurrentHashMap<String, Object> dvsOrder = new ConcurrentHashMap<>();

  private volatile boolean active;

  /** An engine with its own agent channels (closed with it). Does no I/O. */
  public PushEngine(HostDirectory hosts, PushSettings settings) {
    this(hosts, settings, new AgentChannels(), true, PushOwners.UNFENCED);
  }

  /** The channels to the agents (for calls beside pushes, e.g. reading what modules published). */
  public AgentChannels channels() {
    return channels;
  }

  /** An engine using shared agent channels, which the caller closes. Does no I/O. */
  public PushEngine(HostDirectory hosts, PushSettings settings, AgentChannels channels) {
    this(hosts, settings, channels, false, PushOwners.UNFENCED);
  }

  /**
   * As {@link #PushEngine(HostDirectory, PushSettings, AgentChannels)}, every call carrying the
   * owner owners gives for its DVS (none sent while it gives none). Does no I/O.
   */
  public PushEngine(
      HostDirectory hosts, PushSettings settings, AgentChannels channels, PushOwners owners) {
    this(hosts, settings, channels, false, owners);
  }

  private PushEngine(
      HostDirectory hosts,
      PushSettings settings,
      AgentChannels channels,
      boolean ownsChannels,
      PushOwners owners) {
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(settings, "settings");
    this.channels = Objects.requireNonNull(channels, "channels");
    this.ownsChannels = ownsChannels;
    this.dispatcher = new PushDispatcher(settings.maxInFlight());
    this.scheduler = new ScheduledThreadPoolExecutor(1, threads.factory("push-retry-"));
    // Cancelled retries (superseded by a newer state) must not pile up in the queue.
    scheduler.setRemoveOnCancelPolicy(true);
    this.recorder = new PushRecorder(book, new PushMetrics(metrics), events, hosts);
    this.ctx =
        new PushContext(
            hosts,
            channels,
            recorder,
            stages,
            dispatcher,
            scheduler,
            settings.callDeadline(),
            settings.initialBackoff(),
            settings.maxBackoff(),
            () -> active,
            this::tombstoneApplied,
            Objects.requireNonNull(owners, "owners"));
    this.hostOperations = new HostOperations(channels, recorder, () -> active);
    this.driftSweep =
        new DriftSweep(hosts, channels, book, recorder, () -> active, settings.autoRectify());
    this.settings = settings;
    PushGauges.register(metrics, book, dispatcher::queued, dispatcher::inFlight);
  }

  /** LATENT → STARTED. @throws IllegalStateException when started or closed already */
  public void start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("push engine cannot be started: it is " + state.get());
    }
    driftSweep.start(scheduler, settings.driftCheck());
    LOG.debug("push engine started");
  }

  /** Stops pushing, cancels retries, closes its own channels. Idempotent. */
  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    deactivate();
    driftSweep.close();
    pushers.values().forEach(HostPusher::retire);
    pushers.clear();
    scheduler.shutdownNow();
    if (ownsChannels) {
      channels.close();
    }
    LOG.debug("push engine closed");
  }

  /** Whether this engine leads (pushes). */
  public boolean isActive() {
    return active;
  }

  /**
   * This manager became leader; all is every DVS as stored. For every member host of every DVS the
   * agent is asked what it has (GetState; NOT_FOUND means nothing) and the desired state is pushed
   * only where the content differs. A host whose content matches is IN_SYNC at the generation it
   * has, even when that generation is older: unchanged hosts are not contacted on commits either,
   * so older generations with current content are the normal case. Calling it again while active
   * re-synchronizes everything.
   */
  public void activate(Collection<DvsConfig> all) {
    requireStarted();
    int hostCount = 0;
    leadership.writeLock().lock();
    try {
      active = true;
      Set<Key> keep = new HashSet<>();
      Set<String> dvsIds = new HashSet<>();
      for (DvsConfig config : all) {
        dvsIds.add(config.id());
        List<String> members = DesiredStateBuilder.memberIds(config);
        recorder.committed(
            config.id(),
            config.dvs().getName(),
            config.generation(),
            members,
            new HashSet<>(members));
        for (HostMember member : config.dvs().getMembersList()) {
          Key key = new Key(config.id(), member.getHostId());
          keep.add(key);
          submit(key, DesiredStateBuilder.build(config, member), true, PushIntent.BEST_EFFORT);
        }
        hostCount += members.size();
      }
      pushers
          .entrySet()
          .removeIf(
              e -> {
                if (keep.contains(e.getKey())) {
                  return false;
                }
                e.getValue().retire();
                return true;
              });
      for (String dvsId : book.dvsIds()) {
        if (!dvsIds.contains(dvsId)) {
          recorder.forget(dvsId);
        }
      }
      dvsOrder.keySet().retainAll(dvsIds);
    } finally {
      leadership.writeLock().unlock();
    }
    startQueued();
    LOG.info("leading: checking {} member hosts of {} DVS", hostCount, all.size());
  }

  /**
   * Leadership per DVS: this manager now owns config's DVS (the engine was activated with none, and
   * the push owners function gives its epoch already). As {@link #activate} for that DVS alone:
   * every member host is asked what it has and pushed only where the content differs; an apply the
   * previous owner left awaiting its confirm is confirmed when it is what is wanted (the probe's
   * answer, as after a failover), within the agent's confirm window. Calling it again re-probes.
   */
  public void adopt(DvsConfig config) {
    requireStarted();
    boolean leading =
        whileLeading(
            config.id(),
            () -> {
              List<String> members = DesiredStateBuilder.memberIds(config);
              recorder.committed(
                  config.id(),
                  config.dvs().getName(),
                  config.generation(),
                  members,
                  new HashSet<>(members));
              for (HostMember member : config.dvs().getMembersList()) {
                submit(
                    new Key(config.id(), member.getHostId()),
                    DesiredStateBuilder.build(config, member),
                    true,
                    PushIntent.BEST_EFFORT);
              }
            });
    if (leading) {
      startQueued();
      LOG.info(
          "owning DVS {} at generation {}: checking {} member hosts",
          config.dvs().getName(),
          config.generation(),
          config.dvs().getMembersCount());
    }
  }

  /**
   * Leadership per DVS: this manager no longer owns dvsId. Its pushers stop for good (retries
   * cancelled; a call in flight ends alone, and the next one is not sent, as the push owners
   * function gives no owner any more) and its statuses are forgotten.
   */
  public void release(String dvsId) {
    whileLeading(
        dvsId,
        () -> {
          pushers
              .entrySet()
              .removeIf(
                  e -> {
                    if (!e.getKey().dvsId().equals(dvsId)) {
                      return false;
                    }
                    e.getValue().retire();
                    return true;
                  });
          recorder.forget(dvsId);
        });
  }

  /**
   * Leadership lost: no new calls (in-flight ones end on their own), retries cancelled, statuses
   * dropped.
   */
  public void deactivate() {
    leadership.writeLock().lock();
    try {
      if (!active) {
        return;
      }
      active = false;
      dispatcher.clear();
      pushers.values().forEach(HostPusher::halt);
      recorder.clear();
      dvsOrder.clear();
    } finally {
      leadership.writeLock().unlock();
    }
    LOG.info("no longer leading: pushes stopped");
  }

  /**
   * Pushes a committed change: only the hosts it affects ({@link AffectedHosts}) get a new desired
   * state (built for them alone); hosts that left get a tombstone; every other member stays as it
   * is with its desired generation raised, and is not contacted.
   */
  @Override
  public void committed(CommittedChange change, PushIntent intent) {
    if (!running()) {
      return;
    }
    DvsConfig after = change.after();
    recorder.changeSetCommitted(after.id(), after.generation(), Caller.current());
    AffectedHosts.Result affected = change.affected();
    if (!whileLeading(after.id(), () -> pushCommitted(after, affected, intent))) {
      return;
    }
    startQueued();
    LOG.debug(
        "DVS {} generation {}: pushing to {} hosts, removing from {}",
        after.id(),
        after.generation(),
        affected.changed().size(),
        affected.left().size());
  }

  /** The part of {@link #committed} under the DVS's lock. */
  private void pushCommitted(DvsConfig after, AffectedHosts.Result affected, PushIntent intent) {
    List<String> members = DesiredStateBuilder.memberIds(after);
    recorder.committed(
        after.id(), after.dvs().getName(), after.generation(), members, affected.changed());
    Map<String, HostMember> byHost =
        affected.changed().isEmpty() ? Map.of() : DesiredStateBuilder.members(after);
    boolean timed = stages.enabled();
    for (String host : affected.changed()) {
      long t0 = timed ? System.nanoTime() : 0;
      HostSwitchState desired = DesiredStateBuilder.build(after, byHost.get(host));
      if (timed) {
        stages.record(PushStages.BUILD, (System.nanoTime() - t0) / 1000);
      }
      submit(new Key(after.id(), host), desired, false, intent);
    }
    for (String host : affected.left()) {
      submit(
          new Key(after.id(), host),
          DesiredStateBuilder.tombstone(after.dvs(), after.generation(), host),
          false,
          intent);
    }
  }

  /**
   * Runs body under the DVS's lock, inside the shared side of the leadership lock, if this engine
   * leads; false when it does not (body not run).
   */
  private boolean whileLeading(String dvsId, Runnable body) {
    leadership.readLock().lock();
    try {
      synchronized (dvsOrder.computeIfAbsent(dvsId, id -> new Object())) {
        if (!active) {
          return false;
        }
        body.run();
        return true;
      }
    } finally {
      leadership.readLock().unlock();
    }
  }

  /**
   * A DVS was deleted: every member gets a tombstone at its removal generation; once all applied
   * it, the DVS's statuses are forgotten.
   */
  @Override
  public void deleted(DvsConfig last) {
    if (!running()) {
      return;
    }
    long generation = last.removalGeneration();
    if (!whileLeading(last.id(), () -> pushDeleted(last, generation))) {
      return;
    }
    startQueued();
    LOG.debug("DVS {} deleted: removing it from its hosts", last.id());
  }

  /** The part of {@link #deleted} under the DVS's lock. */
  private void pushDeleted(DvsConfig last, long generation) {
    List<String> members = DesiredStateBuilder.memberIds(last);
    recorder.committed(
        last.id(), last.dvs().getName(), generation, members, new HashSet<>(members));
    for (String host : members) {
      submit(
          new Key(last.id(), host),
          DesiredStateBuilder.tombstone(last.dvs(), generation, host),
          false,
          PushIntent.BEST_EFFORT);
    }
    book.whenInSync(last.id(), generation)
        .whenComplete(
            (ok, failure) -> {
              if (failure == null) {
                recorder.forget(last.id());
              }
            });
  }

  /**
   * The push status of every member host, read-only here (its writer is the engine's recorder);
   * empty while not leading.
   */
  public HostStatusBook statusBook() {
    return book;
  }

  /**
   * Completes when every member host of the DVS is IN_SYNC with desired generation >= generation.
   * Fails at once with UNAVAILABLE when not leading, later when leadership is lost. A DVS not seen
   * yet is waited for. For a deleted DVS, wait for last generation + 1 (the tombstones).
   */
  public CompletableFuture<Void> whenInSync(String dvsId, long generation) {
    if (!active) {
      return CompletableFuture.failedFuture(
          SwitchplaneException.unavailable("this manager does not lead: it pushes nothing"));
    }
    return book.whenInSync(dvsId, generation);
  }

  /**
   * Changes the bound on calls in flight (1 = one host at a time); takes effect for the next
   * starts.
   */
  public void setMaxInFlight(int maxInFlight) {
    dispatcher.setMaxInFlight(maxInFlight);
  }

  public int maxInFlight() {
    return dispatcher.maxInFlight();
  }

  /** Calls in flight now. */
  public int inFlight() {
    return dispatcher.inFlight();
  }

  /** Pushes waiting for a slot now. */
  public int queued() {
    return dispatcher.queued();
  }

  /**
   * The decision of an atomic change set at generation of dvsId: every named host that applied it
   * is confirmed (commit) or rolled back now (abort). Hosts that did not apply it are left alone:
   * they have nothing pending for it.
   */
  @Override
  public void decided(
      String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {
    recorder.atomicDecided(dvsId, generation, commit, why);
    for (String hostId : hostIds) {
      HostPusher pusher = pushers.get(new Key(dvsId, hostId));
      if (pusher != null) {
        pusher.decide(generation, commit);
      }
    }
  }

  /** Checks every settled host for drift now (the periodic sweep does the same). */
  public void checkDrift() {
    driftSweep.sweep();
  }

  /** One-host operations for operators: history, rollback to a generation, rectify drift. */
  public HostOperations hostOperations() {
    return hostOperations;
  }

  /** This manager's metrics registry: the push counters and gauges, and what the manager adds. */
  public Metrics metrics() {
    return metrics;
  }

  /** Per-push stage durations (off unless enabled): the bench's breakdown. */
  public PushStages stages() {
    return stages;
  }

  /**
   * CPU time of the threads that push: the engine's own (dispatching, retries, confirm timers) and
   * its agent channels' (call executor, Netty event loops, request deadlines), nanoseconds; -1 when
   * the JVM does not measure thread CPU. Leaves out the commit's thread (plan, ZooKeeper write,
   * desired-state build) and any agents in the same JVM.
   */
  public long pushCpuNanos() {
    long own = threads.cpuNanos();
    long io = channels.cpuNanos();
    return own < 0 || io < 0 ? -1 : own + io;
  }

  /** The push events of this manager. */
  public EventLog events() {
    return events;
  }

  private void submit(Key key, HostSwitchState desired, boolean probeFirst, PushIntent intent) {
    // A pusher retired between lookup and submit has left the map: the next turn makes a fresh one.
    while (!pushers
        .computeIfAbsent(key, k -> new HostPusher(k.dvsId(), k.hostId(), ctx))
        .submit(desired, probeFirst, intent)) {
      Thread.onSpinWait();
    }
  }

  /**
   * Starts the queued pushes on the engine's thread: the caller (the store's commit thread) returns
   * at once.
   */
  private void startQueued() {
    try {
      scheduler.execute(dispatcher::drain);
    } catch (RejectedExecutionException e) {
      LOG.debug("push engine closing: queued pushes dropped", e);
    }
  }

  /** A tombstone went through: the pair needs no pusher any more (unless a newer state came). */
  private void tombstoneApplied(HostPusher pusher) {
    pushers.computeIfPresent(
        new Key(pusher.dvsId(), pusher.hostId()),
        (k, current) -> current == pusher && pusher.retireIfTombstoned() ? null : current);
  }

  private boolean running() {
    State s = state.get();
    if (s != State.STARTED) {
      LOG.debug("push engine is {}: change ignored", s);
      return false;
    }
    return true;
  }

  private void requireStarted() {
    if (state.get() != State.STARTED) {
      throw new IllegalStateException("push engine is " + state.get() + ", not STARTED");
    }
  }
}
