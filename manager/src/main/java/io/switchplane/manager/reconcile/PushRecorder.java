package io.switchplane.manager.reconcile;

import io.prometheus.metrics.model.snapshots.Unit;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.reconcile.PushProtocol.ApplyFailed;
import io.switchplane.manager.reconcile.PushProtocol.Applying;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Confirmed;
import io.switchplane.manager.reconcile.PushProtocol.Degraded;
import io.switchplane.manager.reconcile.PushProtocol.Failed;
import io.switchplane.manager.reconcile.PushProtocol.InSync;
import io.switchplane.manager.reconcile.PushProtocol.Overdue;
import io.switchplane.manager.reconcile.PushProtocol.RolledBack;
import io.switchplane.manager.reconcile.PushProtocol.Unreachable;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of host push status (Kubernetes' one place that writes status): what the {@link
 * HostStatusBook}, the {@link PushMetrics} and the {@link EventLog} say about a host's pushes is
 * written here and nowhere else, for every outcome: a push attempt's states ({@link PushProtocol}),
 * the drift sweep's findings and rectifications, an operator's rollback or rectify of one host, and
 * the change sets committed and atomic decisions taken. The operator's messages for these outcomes
 * are made here too.
 *
 * <p>Does no I/O and holds no lock of its own (the book has one per DVS); callers may hold theirs.
 */
final class PushRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(PushRecorder.class);

  private final HostStatusBook book;
  private final PushMetrics metrics;
  private final EventLog events;
  private final HostDirectory hosts;

  PushRecorder(HostStatusBook book, PushMetrics metrics, EventLog events, HostDirectory hosts) {
    this.book = book;
    this.metrics = metrics;
    this.events = events;
    this.hosts = hosts;
  }

  // ---- which hosts are tracked ----

  /** A generation of a DVS was committed: see {@link HostStatusBook#commit}. */
  void committed(
      String dvsId,
      String dvsName,
      long generation,
      Collection<String> members,
      Set<String> changed) {
    book.commit(dvsId, dvsName, generation, members, changed, this::hostName);
  }

  /**
   * A DVS is no longer pushed (deleted and removed from every host, or gone when leadership was
   * taken).
   */
  void forget(String dvsId) {
    book.forget(dvsId);
  }

  /** Leadership lost: nothing is tracked here any more. */
  void clear() {
    book.clear();
  }

  // ---- a DVS's change sets ----

  /**
   * A change set was stored at generation of dvsId by caller (the committing call's, as its audit
   * record has it).
   */
  void changeSetCommitted(String dvsId, long generation, Caller caller) {
    events.record(
        EventKind.EVENT_KIND_CHANGE_COMMITTED,
        dvsId,
        "",
        "",
        generation,
        (caller.address().isEmpty() ? "" : "from " + caller.address())
            + (caller.comment().isEmpty()
                ? ""
                : (caller.address().isEmpty() ? "" : ": ") + caller.comment()),
        caller.principal());
  }

  /** The decision of an atomic change set at generation of dvsId: commit or abort, and why. */
  void atomicDecided(String dvsId, long generation, boolean commit, String why) {
    metrics.atomic.labelValues(commit ? "committed" : "aborted").inc();
    events.record(
        commit ? EventKind.EVENT_KIND_ATOMIC_COMMITTED : EventKind.EVENT_KIND_ATOMIC_ABORTED,
        dvsId,
        "",
        "",
        generation,
        why);
  }

  // ---- a push attempt ----

  /** What an attempt's new state means for the host's status, metrics and events. */
  void record(String dvsId, String hostId, PushProtocol.State state) {
    long now = System.currentTimeMillis();
    if (state instanceof Applying) {
      book.pushing(dvsId, hostId);
    } else if (state instanceof AwaitingConfirm a) {
      awaitingConfirm(dvsId, hostId, a, now);
    } else if (state instanceof Overdue o) {
      book.confirmOverdue(
          dvsId,
          hostId,
          o.deadlineMs(),
          String.format(
              "no confirm of generation %d reached the "
                  + "agent before its deadline: it has rolled back by itself unless it kept the change on a host-local "
                  + "management port; asking it as soon as it answers",
              o.generation()),
          now);
    } else if (state instanceof Unreachable u) {
      book.failed(dvsId, hostId, HostSyncState.HOST_SYNC_STATE_UNREACHABLE, u.reason(), now);
    } else if (state instanceof InSync s) {
      book.alreadyInSync(dvsId, hostId, s.applied(), s.wanted());
      LOG.debug("host {} already has DVS {} content at generation {}", hostId, dvsId, s.applied());
    } else if (state instanceof Confirmed c) {
      metrics.confirms.inc();
      metrics.latency.observe(Unit.nanosToSeconds(c.latencyNanos()));
      book.pushed(dvsId, hostId, c.generation(), null, now, c.sent());
      events.record(
          EventKind.EVENT_KIND_CONFIRMED,
          dvsId,
          hostId,
          hostName(hostId),
          c.generation(),
          "confirmed "
              + TimeUnit.NANOSECONDS.toMicros(c.latencyNanos())
              + " us after the apply was sent");
    } else if (state instanceof RolledBack r) {
      String message = describe(r.event());
      metrics
          .rollbacks
          .labelValues(EnumLabels.metric(r.event().getCause(), "ROLLBACK_CAUSE_"))
          .inc();
      book.rolledBack(dvsId, hostId, r.event(), message, now);
      events.record(
          EventKind.EVENT_KIND_ROLLED_BACK,
          dvsId,
          hostId,
          hostName(hostId),
          r.generation(),
          message);
    } else if (state instanceof Degraded d) {
      String message =
          String.format(
              "generation %d kept without a confirm: the change cut the management path, so "
                  + "the agent moved its management address onto a host-local clone of port %s with its last good settings; "
                  + "fix that port and commit: the clone then goes away",
              d.generation(), d.port().isEmpty() ? "(management)" : d.port());
      book.degraded(dvsId, hostId, d.generation(), d.event(), message, now);
      metrics.rollbacks.labelValues("management_on_host_local").inc();
      events.record(
          EventKind.EVENT_KIND_ROLLED_BACK,
          dvsId,
          hostId,
          hostName(hostId),
          d.generation(),
          message);
    } else if (state instanceof Failed f) {
      book.failed(dvsId, hostId, HostSyncState.HOST_SYNC_STATE_FAILED, f.reason(), now);
      events.record(
          EventKind.EVENT_KIND_PUSH_FAILED,
          dvsId,
          hostId,
          hostName(hostId),
          f.generation(),
          f.reason());
    } else if (state instanceof ApplyFailed f) {
      book.failed(dvsId, hostId, f.failure().syncState(), f.message(), now);
      metrics.failures.labelValues(f.failure().metricLabel()).inc();
      if (!f.failure()
          .retryable()) { // a failure to be retried is no event: only its last state shows
        events.record(
            EventKind.EVENT_KIND_PUSH_FAILED,
            dvsId,
            hostId,
            hostName(hostId),
            f.generation(),
            f.message());
      }
    }
    // Starting and Probing change nothing the operator sees.
  }

  private void awaitingConfirm(String dvsId, String hostId, AwaitingConfirm a, long now) {
    ApplyResponse response = a.applied();
    if (response
        == null) { // found pending by a probe: its summary is the one recorded at its apply
      book.awaitingConfirm(dvsId, hostId, a.generation(), null, now, a.deadlineMs());
      return;
    }
    metrics.applies.inc();
    book.applied(
        dvsId,
        hostId,
        a.generation(),
        response.getSummary(),
        response.getUnclaimedNamespacesList(),
        response.getRealizedLogicalNetworksList(),
        now,
        a.deadlineMs());
    if (!response.getAlreadyApplied()) {
      events.record(
          EventKind.EVENT_KIND_APPLIED,
          dvsId,
          hostId,
          hostName(hostId),
          a.generation(),
          // Concatenated, not String.format: this runs for every host of every push.
          "+"
              + response.getSummary().getAdded()
              + " ~"
              + response.getSummary().getUpdated()
              + " -"
              + response.getSummary().getRemoved()
              + " in "
              + response.getApplyMicros()
              + " us, confirm within "
              + Math.max(0, (a.deadlineMs() - now + 999) / 1000)
              + " s");
    }
  }

  /** Replaces the host's last message without changing its state (a confirm being retried). */
  void note(String dvsId, String hostId, String message) {
    book.note(dvsId, hostId, message);
  }

  // ---- drift ----

  /**
   * A drift check of a settled host (status s) at generation applied found drifted (empty: none).
   */
  void driftChecked(HostPushStatus s, Host host, long applied, List<String> drifted) {
    String message =
        drifted.size()
            + " port(s) drifted on the switch "
            + drifted
            + " (changed by hand?); "
            + "'switchplane host rectify "
            + host.getName()
            + " --dvs "
            + s.getDvsName()
            + "' brings them back";
    if (!drifted.isEmpty()
        && s.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC) { // newly drifted: tell once
      events.record(
          EventKind.EVENT_KIND_PUSH_FAILED,
          s.getDvsId(),
          host.getId(),
          host.getName(),
          applied,
          message);
    }
    book.drift(s.getDvsId(), host.getId(), applied, drifted, message);
  }

  /** The drift sweep brought drifted back on its own. */
  void rectified(String dvsId, Host host, long applied, List<String> drifted) {
    events.record(
        EventKind.EVENT_KIND_PUSH_FAILED,
        dvsId,
        host.getId(),
        host.getName(),
        applied,
        "drift on " + drifted + " rectified automatically");
    book.drift(dvsId, host.getId(), applied, List.of(), "");
  }

  /** The drift sweep could not bring drifted back (t: why). */
  void rectifyFailed(String dvsId, Host host, long applied, List<String> drifted, Throwable t) {
    book.drift(
        dvsId,
        host.getId(),
        applied,
        drifted,
        "drift on " + drifted + " could not be rectified: " + t);
  }

  // ---- an operator's host operations ----

  /** An operator rectified drifted on host; the next drift check clears the host's drift. */
  void rectifiedByOperator(String dvsId, Host host, long applied, List<String> drifted) {
    events.record(
        EventKind.EVENT_KIND_PUSH_FAILED,
        dvsId,
        host.getId(),
        host.getName(),
        applied,
        "drift on " + drifted + " rectified");
  }

  /**
   * An operator took host back to generation (applied: the agent's answer) and it was confirmed.
   */
  void heldByOperator(String dvsId, Host host, long generation, ApplyResponse applied) {
    long now = System.currentTimeMillis();
    RollbackEvent event =
        RollbackEvent.newBuilder()
            .setGeneration(
                book.get(dvsId, host.getId()).map(HostPushStatus::getDesiredGeneration).orElse(0L))
            .setRestoredGeneration(generation)
            .setCause(RollbackCause.ROLLBACK_CAUSE_OPERATOR)
            .setUnixMs(now)
            .setSummary(applied.getSummary())
            .build();
    String message =
        "held at generation "
            + generation
            + " by an operator (switchplane host rollback); the next "
            + "change set that affects the host moves it forward";
    book.rolledBack(dvsId, host.getId(), event, message, now);
    metrics.rollbacks.labelValues("operator").inc();
    events.record(
        EventKind.EVENT_KIND_ROLLED_BACK, dvsId, host.getId(), host.getName(), generation, message);
  }

  /** What the operator reads for a rollback: what happened and what to do. */
  static String describe(RollbackEvent event) {
    String cause =
        switch (event.getCause()) {
          case ROLLBACK_CAUSE_CONFIRM_TIMEOUT ->
              "no confirm reached it before the deadline: the change may have cut "
                  + "its management path";
          case ROLLBACK_CAUSE_DEADLINE_PASSED_WHILE_DOWN ->
              "the agent was down past the confirm deadline";
          case ROLLBACK_CAUSE_REQUESTED -> "the manager asked for it (atomic change set aborted)";
          case ROLLBACK_CAUSE_OPERATOR -> "an operator asked for it";
          case ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL ->
              "not undone: management moved to a host-local clone";
          default -> event.getCause().name();
        };
    String advice =
        event.getCause() == RollbackCause.ROLLBACK_CAUSE_REQUESTED
            ? ""
            : "; not pushed again: fix the change and commit a new change set";
    return String.format(
        "the host rolled generation %d back to generation %d (%s)%s",
        event.getGeneration(), event.getRestoredGeneration(), cause, advice);
  }

  /**
   * The host's name for the book and the events, its id when it has none (or is no longer
   * registered).
   */
  String hostName(String hostId) {
    return hosts.host(hostId).map(Host::getName).filter(n -> !n.isEmpty()).orElse(hostId);
  }
}
