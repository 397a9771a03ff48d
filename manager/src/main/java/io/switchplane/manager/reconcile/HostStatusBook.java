package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The push status of every member host of every DVS (Helix's ExternalView as the leader sees it),
 * and the waiters for "every member in sync". Anyone may read it; only the {@link PushRecorder}
 * writes it (the writers are package-private). Thread-safe: one lock per DVS, updates touch mutable
 * entries (no message built per update); protos are built only when queried.
 *
 * <p>Invariant kept by {@link #commit}: every entry of a DVS has the DVS's latest generation as
 * desired generation, so "every member in sync for generation g" is "generation >= g and no entry
 * out of IN_SYNC", tracked with a counter instead of a scan.
 */
public final class HostStatusBook {
  private static final Comparator<HostPushStatus> ORDER =
      Comparator.comparing(HostPushStatus::getDvsName)
          .thenComparing(HostPushStatus::getDvsId)
          .thenComparing(HostPushStatus::getHostName)
          .thenComparing(HostPushStatus::getHostId);

  private final ConcurrentHashMap<String, DvsBook> books = new ConcurrentHashMap<>();

  /** Told when a host's realized logical networks change (not on every report). */
  @FunctionalInterface
  public interface RealizedListener {
    /** Called under the DVS's book lock: must not block (hand the work to another thread). */
    void changed(String dvsId, String hostId, List<String> logicalNetworkIds);
  }

  private final List<RealizedListener> realizedListeners = new CopyOnWriteArrayList<>();

  /** Adds a listener told of every change of a host's realized logical networks from now on. */
  public void addRealizedListener(RealizedListener listener) {
    realizedListeners.add(listener);
  }

  /**
   * Records a new generation of a DVS in one step: desired generation of every member set to
   * generation; members not listed are dropped; new members and the changed hosts become PENDING
   * with no attempts. Unchanged members keep their state (IN_SYNC stays IN_SYNC).
   *
   * @param hostName the name of a host by id, asked only for hosts new to the book
   */
  void commit(
      String dvsId,
      String dvsName,
      long generation,
      Collection<String> members,
      Set<String> changed,
      Function<String, String> hostName) {
    List<CompletableFuture<Void>> done;
    List<Runnable> settled;
    DvsBook book = books.computeIfAbsent(dvsId, DvsBook::new);
    synchronized (book) {
      book.name = dvsName;
      book.generation = Math.max(book.generation, generation);
      Set<String> memberSet = members instanceof Set<String> s ? s : new HashSet<>(members);
      for (Iterator<Entry> it = book.hosts.values().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (!memberSet.contains(e.hostId)) {
          if (e.state != HostSyncState.HOST_SYNC_STATE_IN_SYNC) {
            book.notInSync--;
          }
          it.remove();
        }
      }
      for (String host : memberSet) {
        Entry e = book.hosts.get(host);
        if (e == null) {
          e = new Entry(host, hostName.apply(host));
          book.hosts.put(host, e);
          book.notInSync++; // starts PENDING
          e.target = book.generation;
        } else if (changed.contains(host)) {
          book.setState(e, HostSyncState.HOST_SYNC_STATE_PENDING);
          e.attempts = 0;
          e.target = book.generation;
        }
        e.desired = book.generation;
      }
      done = book.readyWaiters();
      settled = book.settledHosts();
    }
    done.forEach(f -> f.complete(null));
    settled.forEach(Runnable::run);
  }

  /** A push to the host started. */
  void pushing(String dvsId, String hostId) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          book.setState(e, HostSyncState.HOST_SYNC_STATE_PUSHING);
          e.attempts++;
        });
  }

  /**
   * The host applied generation applied provisionally; the confirm is on its way (deadline: when
   * the agent rolls back without it). summary null keeps the one recorded before.
   */
  void awaitingConfirm(
      String dvsId,
      String hostId,
      long applied,
      ChangeSummary summary,
      long nowMs,
      long deadlineMs) {
    update(
        dvsId, hostId, (book, e) -> awaitingConfirm(book, e, applied, summary, nowMs, deadlineMs));
  }

  /** Book lock held. */
  private static void awaitingConfirm(
      DvsBook book, Entry e, long applied, ChangeSummary summary, long nowMs, long deadlineMs) {
    e.applied = applied;
    e.lastError = "";
    e.lastPushMs = nowMs;
    if (summary != null) {
      e.lastSummary = summary;
    }
    e.confirmDeadlineMs = deadlineMs;
    book.setState(e, HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM);
  }

  /**
   * The agent's confirm deadline passed and no Confirm was seen to arrive: the agent has rolled
   * back by itself (or kept the change on a host-local management port), so the host is UNREACHABLE
   * until it answers, not awaiting a confirm that can no longer help. Only the apply with that
   * deadline still awaiting its confirm changes: an outcome recorded meanwhile wins.
   */
  void confirmOverdue(String dvsId, String hostId, long deadlineMs, String message, long nowMs) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          if (e.state != HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM
              || e.confirmDeadlineMs != deadlineMs) {
            return;
          }
          e.lastError = message;
          e.lastPushMs = nowMs;
          book.setState(e, HostSyncState.HOST_SYNC_STATE_UNREACHABLE);
        });
  }

  /**
   * The host applied generation applied provisionally, as its answer to our Apply says: what it
   * changed (summary), the namespaces no module claims, the logical networks it realizes; the
   * confirm is on its way (deadline: when the agent rolls back without it). One update of the entry
   * for the whole answer: {@link #unclaimed}, {@link #realized} and {@link #awaitingConfirm} in one
   * step, as every host of every push comes here.
   */
  void applied(
      String dvsId,
      String hostId,
      long applied,
      ChangeSummary summary,
      List<String> unclaimed,
      List<String> logicalNetworkIds,
      long nowMs,
      long deadlineMs) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.unclaimed(unclaimed);
          realized(dvsId, hostId, e, logicalNetworkIds);
          awaitingConfirm(book, e, applied, summary, nowMs, deadlineMs);
        });
  }

  /**
   * The logical network ids the host's agent said it realizes for the DVS at its last apply (its
   * port groups with a port on the host's switch); listeners hear a changed set. Book lock held.
   */
  private void realized(String dvsId, String hostId, Entry e, List<String> logicalNetworkIds) {
    if (e.reported && e.realized.equals(logicalNetworkIds)) {
      return; // the same list as last time (the usual answer): nothing to copy or tell
    }
    List<String> now = List.copyOf(logicalNetworkIds);
    boolean changed = !e.reported || !new HashSet<>(now).equals(new HashSet<>(e.realized));
    e.realized = now;
    e.reported = true;
    if (changed) {
      realizedListeners.forEach(l -> l.changed(dvsId, hostId, now));
    }
  }

  /**
   * The push of the state of generation sent is done and confirmed (summary: what it changed, null
   * to keep the one recorded at apply). The host is IN_SYNC when sent is at least the newest
   * generation committed for it, PENDING when a newer one waits. Judged here, under the book's
   * lock, and not by the pusher: a commit may be recorded here before its state reaches the pusher,
   * and that commit must not be counted as in sync.
   */
  void pushed(
      String dvsId, String hostId, long applied, ChangeSummary summary, long nowMs, long sent) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.applied = applied;
          e.lastError = "";
          e.lastPushMs = nowMs;
          e.confirmDeadlineMs = 0;
          if (summary != null) {
            e.lastSummary = summary;
          }
          book.setState(
              e,
              sent >= e.target
                  ? HostSyncState.HOST_SYNC_STATE_IN_SYNC
                  : HostSyncState.HOST_SYNC_STATE_PENDING);
        });
  }

  /** The host rolled back (event); message says what the operator sees and can do. */
  void rolledBack(String dvsId, String hostId, RollbackEvent event, String message, long nowMs) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.applied = event.getRestoredGeneration();
          e.lastError = message;
          e.lastPushMs = nowMs;
          e.confirmDeadlineMs = 0;
          e.lastRollback = event;
          book.setState(e, HostSyncState.HOST_SYNC_STATE_ROLLED_BACK);
        });
  }

  /**
   * What a drift check found on a host at generation applied: drifted port keys (empty: none). Only
   * an IN_SYNC or OUT_OF_SYNC host still at that generation changes (a push under way wins).
   */
  void drift(String dvsId, String hostId, long applied, List<String> drifted, String message) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          boolean settled =
              e.state == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                  || e.state == HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC;
          if (!settled || e.applied != applied) {
            return;
          }
          e.drifted = List.copyOf(drifted);
          e.lastError = drifted.isEmpty() ? "" : message;
          book.setState(
              e,
              drifted.isEmpty()
                  ? HostSyncState.HOST_SYNC_STATE_IN_SYNC
                  : HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC);
        });
  }

  /**
   * The host kept generation applied without a confirm; its management runs on a host-local clone.
   */
  void degraded(
      String dvsId, String hostId, long applied, RollbackEvent event, String message, long nowMs) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.applied = applied;
          e.lastError = message;
          e.lastPushMs = nowMs;
          e.confirmDeadlineMs = 0;
          e.lastRollback = event;
          book.setState(e, HostSyncState.HOST_SYNC_STATE_DEGRADED);
        });
  }

  /** Replaces the last error text without changing the state (a retry in progress). */
  void note(String dvsId, String hostId, String message) {
    update(dvsId, hostId, (book, e) -> e.lastError = message);
  }

  /**
   * The host was found to hold the content of generation wanted already (at generation applied);
   * not pushed. IN_SYNC unless a newer generation was committed for it meanwhile.
   */
  void alreadyInSync(String dvsId, String hostId, long applied, long wanted) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.applied = applied;
          e.lastError = "";
          book.setState(
              e,
              wanted >= e.target
                  ? HostSyncState.HOST_SYNC_STATE_IN_SYNC
                  : HostSyncState.HOST_SYNC_STATE_PENDING);
        });
  }

  /** A push failed; state is FAILED or UNREACHABLE. */
  void failed(String dvsId, String hostId, HostSyncState state, String error, long nowMs) {
    update(
        dvsId,
        hostId,
        (book, e) -> {
          e.lastError = error;
          e.lastPushMs = nowMs;
          book.setState(e, state);
        });
  }

  /** Forgets a DVS; its waiters complete (nothing is left to wait for). */
  void forget(String dvsId) {
    DvsBook book = books.remove(dvsId);
    if (book != null) {
      List<CompletableFuture<Void>> waiting;
      synchronized (book) {
        waiting = new ArrayList<>(book.waiters.keySet());
        book.waiters.clear();
        book.failHostWaiters();
      }
      waiting.forEach(f -> f.complete(null));
    }
  }

  /** Forgets everything (leadership lost); waiters fail with UNAVAILABLE. */
  void clear() {
    for (String dvsId : List.copyOf(books.keySet())) {
      DvsBook book = books.remove(dvsId);
      if (book != null) {
        List<CompletableFuture<Void>> waiting;
        synchronized (book) {
          waiting = new ArrayList<>(book.waiters.keySet());
          book.waiters.clear();
          book.failHostWaiters();
        }
        SwitchplaneException lost =
            SwitchplaneException.unavailable(
                "this manager stopped leading; push status of DVS %s is no longer tracked here",
                dvsId);
        waiting.forEach(f -> f.completeExceptionally(lost));
      }
    }
  }

  /**
   * Completes when every member host of the DVS is IN_SYNC with desired generation >= generation. A
   * DVS the book does not know yet is waited for (its first commit may still be on its way).
   */
  public CompletableFuture<Void> whenInSync(String dvsId, long generation) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    DvsBook book = books.computeIfAbsent(dvsId, DvsBook::new);
    boolean ready;
    synchronized (book) {
      ready = book.inSync(generation);
      if (!ready) {
        book.waiters.put(f, generation);
      }
    }
    if (ready) {
      f.complete(null);
    }
    return f;
  }

  /**
   * The realized logical networks the host reported to this manager for the DVS; empty when it has
   * reported none here (this manager does not push it, or not yet since it took over).
   */
  public Optional<List<String>> realizedReported(String dvsId, String hostId) {
    DvsBook book = books.get(dvsId);
    if (book == null) {
      return Optional.empty();
    }
    synchronized (book) {
      Entry e = book.hosts.get(hostId);
      return e == null || !e.reported ? Optional.empty() : Optional.of(e.realized);
    }
  }

  /**
   * Completes with the host's status once it is settled for generation: IN_SYNC with desired
   * generation >= generation (its confirm arrived), or ROLLED_BACK (final: it reverted). Fails with
   * UNAVAILABLE when the book forgets the DVS or the host leaves it (leadership lost, host
   * removed). A host the book does not know yet is waited for.
   */
  public CompletableFuture<HostPushStatus> whenSettled(
      String dvsId, String hostId, long generation) {
    CompletableFuture<HostPushStatus> f = new CompletableFuture<>();
    DvsBook book = books.computeIfAbsent(dvsId, DvsBook::new);
    HostPushStatus settled = null;
    synchronized (book) {
      Entry e = book.hosts.get(hostId);
      if (e != null && e.settled(generation)) {
        settled = book.toProto(e);
      } else {
        book.hostWaiters.add(new HostWaiter(hostId, generation, f));
      }
    }
    if (settled != null) {
      f.complete(settled);
    }
    return f;
  }

  /**
   * Whether the host holds the content of generation of the DVS: the book has taken that generation
   * in, and the host is in sync with it or has applied what it needs and awaits only the confirm. A
   * host a change did not touch is not contacted and keeps its older applied generation, so the
   * applied number alone proves nothing either way.
   */
  public boolean holdsContentOf(String dvsId, String hostId, long generation) {
    DvsBook book = books.get(dvsId);
    if (book == null) {
      return false;
    }
    synchronized (book) {
      Entry e = book.hosts.get(hostId);
      return e != null
          && e.desired >= generation
          && (e.state == HostSyncState.HOST_SYNC_STATE_IN_SYNC
              || e.state == HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM
                  && e.applied >= e.target);
    }
  }

  /** Ids of the DVSes tracked. */
  public Set<String> dvsIds() {
    return Set.copyOf(books.keySet());
  }

  /** The status of one host of one DVS. */
  public Optional<HostPushStatus> get(String dvsId, String hostId) {
    DvsBook book = books.get(dvsId);
    if (book == null) {
      return Optional.empty();
    }
    synchronized (book) {
      Entry e = book.hosts.get(hostId);
      return e == null ? Optional.empty() : Optional.of(book.toProto(e));
    }
  }

  /**
   * Statuses of one DVS (or of every DVS when dvsIdOrNull is null), sorted by DVS name then host
   * name.
   */
  public List<HostPushStatus> list(String dvsIdOrNull) {
    List<HostPushStatus> out = new ArrayList<>();
    Collection<DvsBook> selected =
        dvsIdOrNull == null
            ? books.values()
            : Optional.ofNullable(books.get(dvsIdOrNull)).map(List::of).orElse(List.of());
    for (DvsBook book : selected) {
      synchronized (book) {
        for (Entry e : book.hosts.values()) {
          out.add(book.toProto(e));
        }
      }
    }
    out.sort(ORDER);
    return out;
  }

  private interface Mutation {
    void apply(DvsBook book, Entry entry);
  }

  /**
   * Applies a mutation to an existing entry; an unknown DVS or host is ignored (it was dropped).
   */
  private void update(String dvsId, String hostId, Mutation mutation) {
    DvsBook book = books.get(dvsId);
    if (book == null) {
      return;
    }
    List<CompletableFuture<Void>> done;
    List<Runnable> settled;
    synchronized (book) {
      Entry e = book.hosts.get(hostId);
      if (e == null) {
        return;
      }
      mutation.apply(book, e);
      done = book.notInSync == 0 && !book.waiters.isEmpty() ? book.readyWaiters() : List.of();
      settled = book.settledHosts();
    }
    done.forEach(f -> f.complete(null));
    settled.forEach(Runnable::run);
  }

  /** Guarded by itself. */
  private static final class DvsBook {
    private final String id;
    private String name = "";
    private long generation;
    private final Map<String, Entry> hosts = new HashMap<>();
    private final Map<CompletableFuture<Void>, Long> waiters = new HashMap<>();
    private final List<HostWaiter> hostWaiters = new ArrayList<>();
    private int notInSync;

    /**
     * Removes the host waiters that are settled (or whose host left the DVS) and returns how to
     * complete them, to run outside the lock.
     */
    private List<Runnable> settledHosts() {
      if (hostWaiters.isEmpty()) {
        return List.of();
      }
      List<Runnable> out = new ArrayList<>();
      for (Iterator<HostWaiter> it = hostWaiters.iterator(); it.hasNext(); ) {
        HostWaiter w = it.next();
        Entry e = hosts.get(w.hostId());
        if (e == null) {
          if (generation > 0) { // the DVS is known and the host is no member of it any more
            it.remove();
            out.add(() -> w.future().completeExceptionally(gone(w.hostId())));
          }
        } else if (e.settled(w.generation())) {
          it.remove();
          HostPushStatus status = toProto(e);
          out.add(() -> w.future().complete(status));
        }
      }
      return out;
    }

    private void failHostWaiters() {
      for (HostWaiter w : hostWaiters) {
        w.future().completeExceptionally(gone(w.hostId()));
      }
      hostWaiters.clear();
    }

    private SwitchplaneException gone(String hostId) {
      return SwitchplaneException.unavailable(
          "the push status of host %s on DVS %s is no longer tracked here", hostId, id);
    }

    private DvsBook(String id) {
      this.id = id;
    }

    private void setState(Entry e, HostSyncState state) {
      boolean was = e.state == HostSyncState.HOST_SYNC_STATE_IN_SYNC;
      boolean is = state == HostSyncState.HOST_SYNC_STATE_IN_SYNC;
      e.state = state;
      if (was && !is) {
        notInSync++;
      } else if (!was && is) {
        notInSync--;
      }
    }

    private boolean inSync(long wanted) {
      return generation >= wanted && notInSync == 0;
    }

    private List<CompletableFuture<Void>> readyWaiters() {
      if (waiters.isEmpty() || notInSync != 0) {
        return List.of();
      }
      List<CompletableFuture<Void>> out = new ArrayList<>();
      for (Iterator<Map.Entry<CompletableFuture<Void>, Long>> it = waiters.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<CompletableFuture<Void>, Long> w = it.next();
        if (inSync(w.getValue())) {
          out.add(w.getKey());
          it.remove();
        }
      }
      return out;
    }

    private HostPushStatus toProto(Entry e) {
      HostPushStatus.Builder b =
          HostPushStatus.newBuilder()
              .setDvsId(id)
              .setDvsName(name)
              .setHostId(e.hostId)
              .setHostName(e.hostName)
              .setDesiredGeneration(e.desired)
              .setAppliedGeneration(e.applied)
              .setState(e.state)
              .setLastError(e.lastError)
              .setAttempts(e.attempts)
              .setLastPushUnixMs(e.lastPushMs);
      if (e.lastSummary != null) {
        b.setLastSummary(e.lastSummary);
      }
      b.addAllUnclaimedNamespaces(e.unclaimed);
      b.addAllRealizedLogicalNetworks(e.realized);
      if (e.lastRollback != null) {
        b.setLastRollback(e.lastRollback);
      }
      b.setConfirmDeadlineUnixMs(e.confirmDeadlineMs);
      if (e.state == HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC) {
        b.addAllDriftedPortKeys(e.drifted);
      }
      return b.build();
    }
  }

  /** Someone waiting for a host to settle at a generation. */
  private record HostWaiter(
      String hostId, long generation, CompletableFuture<HostPushStatus> future) {}

  /** Mutable status of one host; guarded by its DvsBook. */
  private static final class Entry {
    /** IN_SYNC at generation or later (confirmed), or ROLLED_BACK (final). */
    private boolean settled(long generation) {
      return state == HostSyncState.HOST_SYNC_STATE_IN_SYNC && desired >= generation
          || state == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK;
    }

    private final String hostId;
    private final String hostName;
    private long desired;

    /** The newest generation whose state was built for this host (it changed the host). */
    private long target;

    private long applied;
    private HostSyncState state = HostSyncState.HOST_SYNC_STATE_PENDING;
    private String lastError = "";
    private int attempts;
    private long lastPushMs;
    private ChangeSummary lastSummary;
    private List<String> unclaimed = List.of();
    private List<String> realized = List.of();

    /** Whether the agent reported realized networks to this manager at all. */
    private boolean reported;

    private long confirmDeadlineMs;
    private List<String> drifted = List.of();
    private RollbackEvent lastRollback;

    private Entry(String hostId, String hostName) {
      this.hostId = hostId;
      this.hostName = hostName;
    }

    /** Keeps the list held when it is the same (the usual answer): no copy per push. */
    private void unclaimed(List<String> namespaces) {
      if (!unclaimed.equals(namespaces)) {
        unclaimed = List.copyOf(namespaces);
      }
    }
  }
}
