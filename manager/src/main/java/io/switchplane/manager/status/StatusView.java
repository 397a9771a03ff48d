package io.switchplane.manager.status;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.reconcile.HostStatusBook;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The read model of the manager's status page: one consistent-enough {@link Snapshot} gathered from
 * the manager's in-process services (the DVS list, the push status book, the event log), the same
 * sources {@code ListDvs}, {@code GetPushStatus} and {@code WatchEvents} answer from. Read-only; no
 * I/O beyond what those services do (a follower's DVS list reads ZooKeeper). Thread-safe.
 *
 * <p>The push status lives on the leader: a follower's snapshot says so and lists no hosts.
 */
public final class StatusView {
  /** How many of the newest events and rollbacks a snapshot carries. */
  static final int RECENT = 25;

  private final Supplier<List<Dvs>> dvses;
  private final HostStatusBook book;
  private final EventLog events;
  private final BooleanSupplier leader;
  private final String managerId;
  private final LongSupplier clock;

  StatusView(
      Supplier<List<Dvs>> dvses,
      HostStatusBook book,
      EventLog events,
      BooleanSupplier leader,
      String managerId,
      LongSupplier clock) {
    this.dvses = dvses;
    this.book = book;
    this.events = events;
    this.leader = leader;
    this.managerId = managerId;
    this.clock = clock;
  }

  /** The view of a running manager. */
  public static StatusView of(SwitchplaneManager manager) {
    return new StatusView(
        manager.configService()::listDvs,
        manager.pushEngine().statusBook(),
        manager.pushEngine().events(),
        manager::isLeader,
        manager.id(),
        System::currentTimeMillis);
  }

  /** Everything the page shows, at one moment. */
  public record Snapshot(
      long unixMs,
      String manager,
      boolean leader,
      List<DvsRow> dvses,
      Map<String, Integer> hostsByState,
      List<HostRow> hosts,
      Progress newestChange,
      List<EventRow> events,
      List<RollbackRow> rollbacks) {}

  /** A DVS: its generation, members and how many of them are in sync. */
  public record DvsRow(String id, String name, long generation, int members, int inSync) {}

  /**
   * One member host of one DVS. confirmed: the newest generation the host is known to have
   * confirmed (applied when in sync; otherwise its newest CONFIRMED event still kept; 0: unknown).
   * trouble: the state needs an operator's eye (failed, unreachable, rolled back, drifted).
   */
  public record HostRow(
      String dvs,
      String host,
      String state,
      long desired,
      long applied,
      long confirmed,
      long lastChangeUnixMs,
      String lastError,
      boolean trouble) {}

  /**
   * The push of the newest committed change this manager has seen: of the DVS's members, how many
   * hold it, how many are in trouble, how many are still on their way. Null before any commit.
   */
  public record Progress(
      String dvs,
      long generation,
      long committedUnixMs,
      String by,
      int hosts,
      int done,
      int trouble,
      int inFlight) {}

  /** One event of the log, newest first. */
  public record EventRow(
      long sequence,
      long unixMs,
      String kind,
      String dvs,
      String host,
      long generation,
      String detail) {}

  /** The last rollback an agent reported for a DVS. */
  public record RollbackRow(
      String dvs, String host, long generation, long restored, String cause, long unixMs) {}

  /** The status now. */
  public Snapshot snapshot() {
    boolean leads = leader.getAsBoolean();
    List<Dvs> switches = dvses.get();
    Map<String, String> dvsNames = new HashMap<>();
    switches.forEach(d -> dvsNames.put(d.getId(), d.getName()));
    List<HostPushStatus> statuses = leads ? book.list(null) : List.of();
    List<Event> log = events.recent();

    Map<String, Long> confirmedByEvent = new HashMap<>();
    for (Event e : log) {
      if (e.getKind() == EventKind.EVENT_KIND_CONFIRMED) {
        confirmedByEvent.merge(e.getDvsId() + "/" + e.getHostId(), e.getGeneration(), Math::max);
      }
    }

    Map<HostSyncState, Integer> byState = new EnumMap<>(HostSyncState.class);
    List<HostRow> hosts = new ArrayList<>();
    List<RollbackRow> rollbacks = new ArrayList<>();
    for (HostPushStatus s : statuses) {
      byState.merge(s.getState(), 1, Integer::sum);
      boolean confirmedNow =
          s.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
              || s.getState() == HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC;
      long confirmed =
          confirmedNow
              ? s.getAppliedGeneration()
              : confirmedByEvent.getOrDefault(s.getDvsId() + "/" + s.getHostId(), 0L);
      hosts.add(
          new HostRow(
              s.getDvsName(),
              s.getHostName().isEmpty() ? s.getHostId() : s.getHostName(),
              state(s.getState()),
              s.getDesiredGeneration(),
              s.getAppliedGeneration(),
              confirmed,
              s.getLastPushUnixMs(),
              s.getLastError(),
              trouble(s.getState())));
      if (s.hasLastRollback()) {
        rollbacks.add(
            new RollbackRow(
                s.getDvsName(),
                s.getHostName(),
                s.getLastRollback().getGeneration(),
                s.getLastRollback().getRestoredGeneration(),
                EnumLabels.metric(s.getLastRollback().getCause(), "ROLLBACK_CAUSE_"),
                s.getLastRollback().getUnixMs()));
      }
    }
    // Trouble first, then by DVS and host, as an operator reads a host list.
    hosts.sort(
        Comparator.comparing(HostRow::trouble)
            .reversed()
            .thenComparing(HostRow::dvs)
            .thenComparing(HostRow::host));
    rollbacks.sort(Comparator.comparingLong(RollbackRow::unixMs).reversed());

    List<DvsRow> dvsRows = new ArrayList<>();
    for (Dvs d : switches) {
      long members = statuses.stream().filter(s -> s.getDvsId().equals(d.getId())).count();
      long inSync =
          statuses.stream()
              .filter(s -> s.getDvsId().equals(d.getId()))
              .filter(s -> s.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC)
              .count();
      dvsRows.add(
          new DvsRow(
              d.getId(),
              d.getName(),
              d.getGeneration(),
              leads ? (int) members : d.getMembersCount(),
              (int) inSync));
    }

    Map<String, Integer> stateCounts = new LinkedHashMap<>();
    byState.forEach((k, v) -> stateCounts.put(state(k), v));

    List<EventRow> recent = new ArrayList<>();
    for (int i = log.size() - 1; i >= 0 && recent.size() < RECENT; i--) {
      Event e = log.get(i);
      recent.add(
          new EventRow(
              e.getSequence(),
              e.getUnixMs(),
              EnumLabels.metric(e.getKind(), "EVENT_KIND_"),
              dvsNames.getOrDefault(e.getDvsId(), e.getDvsId()),
              e.getHostName().isEmpty() ? e.getHostId() : e.getHostName(),
              e.getGeneration(),
              e.getDetail()));
    }
    return new Snapshot(
        clock.getAsLong(),
        managerId,
        leads,
        dvsRows,
        stateCounts,
        hosts,
        newestChange(log, statuses, dvsNames),
        recent,
        rollbacks.subList(0, Math.min(RECENT, rollbacks.size())));
  }

  private Progress newestChange(
      List<Event> log, List<HostPushStatus> statuses, Map<String, String> dvsNames) {
    for (int i = log.size() - 1; i >= 0; i--) {
      Event e = log.get(i);
      if (e.getKind() != EventKind.EVENT_KIND_CHANGE_COMMITTED) {
        continue;
      }
      int hosts = 0;
      int done = 0;
      int trouble = 0;
      for (HostPushStatus s : statuses) {
        if (!s.getDvsId().equals(e.getDvsId())) {
          continue;
        }
        hosts++;
        if (book.holdsContentOf(s.getDvsId(), s.getHostId(), e.getGeneration())) {
          done++;
        } else if (trouble(s.getState())) {
          trouble++;
        }
      }
      return new Progress(
          dvsNames.getOrDefault(e.getDvsId(), e.getDvsId()),
          e.getGeneration(),
          e.getUnixMs(),
          e.getPrincipal(),
          hosts,
          done,
          trouble,
          hosts - done - trouble);
    }
    return null;
  }

  private static boolean trouble(HostSyncState state) {
    return switch (state) {
      case HOST_SYNC_STATE_FAILED,
          HOST_SYNC_STATE_UNREACHABLE,
          HOST_SYNC_STATE_ROLLED_BACK,
          HOST_SYNC_STATE_OUT_OF_SYNC ->
          true;
      default -> false;
    };
  }

  /** IN_SYNC for HOST_SYNC_STATE_IN_SYNC, as the CLI prints states. */
  private static String state(HostSyncState state) {
    return state.name().replaceFirst("^HOST_SYNC_STATE_", "");
  }
}
