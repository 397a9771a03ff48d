package io.switchplane.manager.service;

import io.switchplane.api.v1.AtomicTxnRecord;
import io.switchplane.api.v1.AtomicTxnState;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import io.switchplane.manager.audit.ChangeRecords;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.AtomicRound;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import io.switchplane.manager.service.ConfigService.CommitResult;
import io.switchplane.manager.store.DvsStore;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic change sets: a two-phase commit whose "prepared" state on each host is the agent's pending
 * confirm. Phase 1 stores the change set with a PREPARED decision record (holding the
 * before-images) in one ZooKeeper transaction and pushes it; every affected host applies and waits.
 * Phase 2: all applied before the decision deadline → COMMITTED recorded, then every host
 * confirmed; any failure or the deadline → every host that applied rolled back, and the previous
 * configuration restored as a new generation with ABORTED recorded, in one transaction. A manager
 * that dies in between confirms nobody: the agents roll back at their deadline (presumed abort),
 * and the next leader aborts a PREPARED record it finds ({@link #recover}) or, for COMMITTED,
 * confirms what is still pending when it probes the hosts.
 *
 * <p>Called with the DVS's write lock held, so nothing else commits to the DVS meanwhile.
 */
final class AtomicCommits {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicCommits.class);

  private final DvsStore store;
  private final CommitListener listener;
  private final FaultPoints faults;
  private final ChangeRecords records;

  AtomicCommits(
      DvsStore store, CommitListener listener, FaultPoints faults, ChangeRecords records) {
    this.store = store;
    this.listener = listener;
    this.faults = faults;
    this.records = records;
  }

  /** Stores, pushes and decides plan; cache receives each configuration once stored. */
  CommitResult commit(
      Plan plan,
      CommitOptions options,
      int opCount,
      String description,
      Consumer<DvsConfig> cache,
      Runnable stillLeader) {
    DvsConfig before = plan.before();
    DvsConfig after = plan.after();
    CommittedChange change = CommittedChange.of(before, after);
    Set<String> hosts = change.hosts();
    AtomicTxnRecord prepared = AtomicRecords.prepared(plan, hosts, System.currentTimeMillis());
    store.commit(plan, prepared, records.record("atomic-change-set", plan, opCount, description));
    cache.accept(after);
    LOG.info(
        "DVS {} generation {}: atomic change set stored (PREPARED), pushing to {} host(s){}",
        after.dvs().getName(),
        after.generation(),
        hosts.size(),
        description.isEmpty() ? "" : " - " + description);

    faults.reached(ManagerFaults.AFTER_PREPARE);
    Round round = new Round(hosts);
    listener.committed(change, new PushIntent(options.confirmTimeoutMs(), round));
    // Decide early enough that the confirms reach the agents before their own deadline.
    long waitMs = options.confirmTimeoutMs() - Math.max(1_000, options.confirmTimeoutMs() / 4);
    boolean allApplied = round.await(waitMs);
    stillLeader.run();
    if (allApplied) {
      try {
        faults.reached(ManagerFaults.BEFORE_DECISION);
        store.recordDecision(
            after.id(),
            AtomicRecords.decided(prepared, AtomicTxnState.ATOMIC_TXN_STATE_COMMITTED, 0, ""));
        faults.reached(ManagerFaults.AFTER_COMMIT_RECORD);
        listener.decided(
            after.id(),
            after.generation(),
            hosts,
            true,
            "all " + hosts.size() + " host(s) applied");
        return new CommitResult(
            after,
            plan,
            hosts.size(),
            CommitOutcome.COMMIT_OUTCOME_COMMITTED,
            after.generation(),
            "",
            false);
      } catch (SwitchplaneException e) {
        // Not recorded: nobody may confirm. Abort instead (the agents would revert at the deadline
        // anyway).
        LOG.error(
            "DVS {}: cannot record COMMIT of generation {}; aborting",
            after.id(),
            after.generation(),
            e);
        return abort(
            plan,
            prepared,
            hosts,
            "the COMMIT decision could not be stored: " + e.getMessage(),
            cache);
      }
    }
    return abort(plan, prepared, hosts, round.detail(), cache);
  }

  private CommitResult abort(
      Plan plan,
      AtomicTxnRecord prepared,
      Set<String> hosts,
      String why,
      Consumer<DvsConfig> cache) {
    DvsConfig after = plan.after();
    listener.decided(after.id(), after.generation(), hosts, false, why);
    Plan restore = AtomicRecords.abortPlan(after, prepared);
    store.commit(
        restore,
        AtomicRecords.decided(
            prepared, AtomicTxnState.ATOMIC_TXN_STATE_ABORTED, restore.after().generation(), why),
        abortRecord(restore, why));
    cache.accept(restore.after());
    listener.committed(CommittedChange.of(after, restore.after()), PushIntent.BEST_EFFORT);
    LOG.warn(
        "DVS {}: atomic generation {} aborted ({}); previous configuration restored as generation {}",
        after.dvs().getName(),
        after.generation(),
        why,
        restore.after().generation());
    return new CommitResult(
        restore.after(),
        plan,
        hosts.size(),
        CommitOutcome.COMMIT_OUTCOME_ABORTED,
        after.generation(),
        why,
        false);
  }

  /** The audit record of the generation that takes an aborted atomic change set back. */
  private ChangeRecord abortRecord(Plan restore, String why) {
    return records.record(
        "atomic-abort",
        restore,
        restore.writes().size(),
        "atomic generation " + restore.before().generation() + " aborted: " + why);
  }

  /**
   * On taking over leadership: a PREPARED record at the DVS's current generation has no decision,
   * so it is aborted (presumed abort). Returns the configuration to use.
   */
  DvsConfig recover(DvsConfig config) {
    Optional<AtomicTxnRecord> record = store.readTxn(config.id());
    if (record.isEmpty()
        || record.get().getState() != AtomicTxnState.ATOMIC_TXN_STATE_PREPARED
        || record.get().getGeneration() != config.generation()) {
      return config;
    }
    String why = "the manager that pushed it stopped before deciding (presumed abort)";
    Plan restore = AtomicRecords.abortPlan(config, record.get());
    store.commit(
        restore,
        AtomicRecords.decided(
            record.get(),
            AtomicTxnState.ATOMIC_TXN_STATE_ABORTED,
            restore.after().generation(),
            why),
        abortRecord(restore, why));
    LOG.warn(
        "DVS {}: atomic generation {} found undecided; aborted, previous configuration restored as generation {}",
        config.dvs().getName(),
        config.generation(),
        restore.after().generation());
    return restore.after();
  }

  /** The hosts' results of one atomic push. */
  private static final class Round implements AtomicRound {
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);

    Round(Set<String> hosts) {
      waiting.addAll(hosts);
      if (hosts.isEmpty()) {
        done.countDown();
      }
    }

    @Override
    public void applied(String hostId) {
      waiting.remove(hostId);
      if (waiting.isEmpty()) {
        done.countDown();
      }
    }

    @Override
    public void failed(String hostId, String why) {
      failures.put(hostId, why);
      waiting.remove(hostId);
      done.countDown();
    }

    boolean await(long ms) {
      try {
        return done.await(Math.max(0, ms), TimeUnit.MILLISECONDS)
            && failures.isEmpty()
            && waiting.isEmpty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    String detail() {
      StringBuilder b = new StringBuilder();
      new TreeMap<>(failures)
          .forEach(
              (h, why) ->
                  b.append(b.length() == 0 ? "" : "; ")
                      .append("host ")
                      .append(h)
                      .append(": ")
                      .append(why));
      if (!waiting.isEmpty()) {
        b.append(b.length() == 0 ? "" : "; ")
            .append("no answer before the decision deadline from ")
            .append(new java.util.TreeSet<>(waiting));
      }
      return b.toString();
    }
  }
}
