package io.switchplane.it;

import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Reads every agent's history rows of some DVSes again and again while a test runs and keeps every
 * row it saw: an agent keeps only its newest rows of a DVS ({@code StateStore.HISTORY_LIMIT}), and
 * a second apply of one generation overwrites that generation's row, so one read at the end would
 * miss both. Each apply row names the owner that pushed it ({@code manager_id}, {@code epoch}) and
 * carries the agent's time of the apply (every agent runs on this machine: one clock). From them:
 *
 * <ul>
 *   <li>{@link #twoOwnersOnOneHost}: one host applied one generation from two owners while the
 *       first apply stood (not rolled back in between);
 *   <li>{@link #pushesAfterANewerOwner}: a DVS pushed (on any host) by an owner after a newer owner
 *       of that DVS had pushed it: two owners pushing one DVS at once;
 *   <li>which generations each host applied, and who pushed a DVS last before or first after a
 *       moment.
 * </ul>
 *
 * Lifecycle: {@link #start}, then {@link #close} (one last read after the polling stops).
 */
final class HistoryWatch implements AutoCloseable {
  /** One apply row as seen (its outcome as last seen). */
  record Apply(
      int host,
      String dvsId,
      long generation,
      String managerId,
      long epoch,
      long appliedMs,
      ApplyOutcome outcome) {
    String owner() {
      return managerId + "@" + epoch;
    }
  }

  /** A rollback row: host went back from generation from at atMs. */
  record Rollback(int host, String dvsId, long from, long atMs) {}

  private final AgentProcesses agents;
  private final List<String> dvsIds;
  private final Map<String, Apply> applies = new ConcurrentHashMap<>();
  private final Map<String, Rollback> rollbacks = new ConcurrentHashMap<>();
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong failedReads = new AtomicLong();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "history-watch");
            t.setDaemon(true);
            return t;
          });

  /** Watches the rows of dvsIds on every agent; not started. */
  HistoryWatch(AgentProcesses agents, List<String> dvsIds) {
    this.agents = agents;
    this.dvsIds = List.copyOf(dvsIds);
  }

  /** Reads every agent's rows every interval from now on. */
  HistoryWatch start(Duration interval) {
    timer.scheduleWithFixedDelay(this::readAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void readAll() {
    for (int h = 0; h < agents.size(); h++) {
      for (String dvs : dvsIds) {
        List<HistoryEntry> rows;
        try {
          reads.incrementAndGet();
          rows = agents.history(h, dvs);
        } catch (StatusRuntimeException e) {
          failedReads.incrementAndGet(); // no row yet (NOT_FOUND), or the agent is slow: next time
          continue;
        }
        for (HistoryEntry e : rows) {
          if (e.getKind() == HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK) {
            rollbacks.put(
                h + "/" + dvs + "/" + e.getSequence(),
                new Rollback(h, dvs, e.getFromGeneration(), e.getAppliedUnixMs()));
          } else {
            applies.put(
                h + "/" + dvs + "/" + e.getGeneration() + "/" + e.getAppliedUnixMs(),
                new Apply(
                    h,
                    dvs,
                    e.getGeneration(),
                    e.getOwner().getManagerId(),
                    e.getOwner().getEpoch(),
                    e.getAppliedUnixMs(),
                    e.getOutcome()));
          }
        }
      }
    }
  }

  /** Every apply row seen. */
  List<Apply> applies() {
    return List.copyOf(applies.values());
  }

  /** Reads made and reads that failed. */
  long reads() {
    return reads.get();
  }

  long failedReads() {
    return failedReads.get();
  }

  /** Apply rows without an owner (a push not fenced by ownership). */
  long withoutOwner() {
    return applies.values().stream().filter(a -> a.managerId().isEmpty()).count();
  }

  /**
   * Generations one host applied from two owners while the earlier apply stood (no rollback of it
   * on that host between the two), one line each. A re-apply by a new owner after the agent rolled
   * the old owner's unconfirmed apply back is recovery, not two pushers: see {@link
   * #reappliedAfterRollback}.
   */
  List<String> twoOwnersOnOneHost() {
    return twoOwners(false);
  }

  /** Generations a host applied from one owner, rolled back, then applied from another. */
  List<String> reappliedAfterRollback() {
    return twoOwners(true);
  }

  private List<String> twoOwners(boolean afterRollback) {
    Map<String, List<Apply>> byGeneration = new HashMap<>();
    applies
        .values()
        .forEach(
            a ->
                byGeneration
                    .computeIfAbsent(
                        a.host() + "/" + a.dvsId() + "/" + a.generation(), k -> new ArrayList<>())
                    .add(a));
    List<String> out = new ArrayList<>();
    for (List<Apply> rows : byGeneration.values()) {
      rows.sort(Comparator.comparingLong(Apply::appliedMs));
      for (int i = 1; i < rows.size(); i++) {
        Apply earlier = rows.get(i - 1);
        Apply later = rows.get(i);
        if (earlier.owner().equals(later.owner())) {
          continue;
        }
        boolean rolledBack =
            earlier.outcome() == ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK
                || rollbacks.values().stream()
                    .anyMatch(
                        r ->
                            r.host() == later.host()
                                && r.dvsId().equals(later.dvsId())
                                && r.from() == later.generation()
                                && r.atMs() >= earlier.appliedMs()
                                && r.atMs() <= later.appliedMs());
        if (rolledBack == afterRollback) {
          out.add(
              later.dvsId()
                  + " generation "
                  + later.generation()
                  + " on host "
                  + later.host()
                  + ": "
                  + earlier.owner()
                  + " at "
                  + earlier.appliedMs()
                  + ", "
                  + later.owner()
                  + " at "
                  + later.appliedMs());
        }
      }
    }
    return out;
  }

  /** Generations whose hosts were pushed by two owners (the old one some, the new one the rest). */
  long generationsSplitAcrossHosts() {
    Map<String, Set<String>> owners = new HashMap<>();
    applies
        .values()
        .forEach(
            a ->
                owners
                    .computeIfAbsent(a.dvsId() + "/" + a.generation(), k -> new TreeSet<>())
                    .add(a.owner()));
    return owners.values().stream().filter(s -> s.size() > 1).count();
  }

  /**
   * Applies (on any host) by an owner of a DVS after a newer owner (a higher epoch) had applied one
   * of that DVS: two owners pushing one DVS at once. One line each.
   */
  List<String> pushesAfterANewerOwner() {
    List<String> out = new ArrayList<>();
    Map<String, List<Apply>> byDvs =
        applies.values().stream()
            .filter(a -> !a.managerId().isEmpty())
            .collect(Collectors.groupingBy(Apply::dvsId));
    for (List<Apply> rows : byDvs.values()) {
      // In one millisecond the older epoch first: only a strictly later push counts.
      rows.sort(Comparator.comparingLong(Apply::appliedMs).thenComparingLong(Apply::epoch));
      Apply newest = null;
      for (Apply a : rows) {
        if (newest != null && a.epoch() < newest.epoch()) {
          out.add(
              a.dvsId()
                  + ": "
                  + a.owner()
                  + " pushed generation "
                  + a.generation()
                  + " to host "
                  + a.host()
                  + " at "
                  + a.appliedMs()
                  + " after "
                  + newest.owner()
                  + " pushed generation "
                  + newest.generation()
                  + " to host "
                  + newest.host()
                  + " at "
                  + newest.appliedMs());
        }
        if (newest == null || a.epoch() > newest.epoch()) {
          newest = a;
        }
      }
    }
    return out;
  }

  /** The agents' time of the last apply of dvsId by managerId at epoch, if any. */
  OptionalLong lastPushAt(String dvsId, String managerId, long epoch) {
    return applies.values().stream()
        .filter(
            a -> a.dvsId().equals(dvsId) && a.managerId().equals(managerId) && a.epoch() == epoch)
        .mapToLong(Apply::appliedMs)
        .reduce(Math::max);
  }

  /** The agents' time of the first apply of dvsId by an owner at an epoch above epoch, if any. */
  OptionalLong firstPushAbove(String dvsId, long epoch) {
    return applies.values().stream()
        .filter(a -> a.dvsId().equals(dvsId) && a.epoch() > epoch)
        .mapToLong(Apply::appliedMs)
        .reduce(Math::min);
  }

  /** The generations of dvsId that host applied (rows seen). */
  Set<Long> generationsApplied(int host, String dvsId) {
    return applies.values().stream()
        .filter(a -> a.host() == host && a.dvsId().equals(dvsId))
        .map(Apply::generation)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Stops polling and reads every agent once more. */
  @Override
  public void close() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(30, TimeUnit.SECONDS);
    readAll();
  }
}
