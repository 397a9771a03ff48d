package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.rpc.metrics.Metrics;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The push side's gauges, read from the {@link HostStatusBook} at each scrape: hosts by sync state
 * per DVS (every state of every DVS the leader tracks, zeros included), each host's generation lag,
 * confirms pending per DVS, each DVS's generation, and the dispatcher's queue and calls in flight.
 * Only the leader tracks hosts; a standby reports no DVS.
 */
final class PushGauges {
  /** The states a host can be in (UNSPECIFIED is never recorded). */
  static final List<HostSyncState> STATES = states();

  private PushGauges() {}

  static void register(
      Metrics metrics, HostStatusBook book, IntSupplier queued, IntSupplier inFlight) {
    metrics.gauge(
        "switchplane_hosts",
        "Member hosts by push state, per DVS (the leader's view).",
        List.of("dvs", "state"),
        cb -> {
          for (Map.Entry<String, Map<HostSyncState, Integer>> dvs : byState(book).entrySet()) {
            dvs.getValue().forEach((state, n) -> cb.call(n, dvs.getKey(), label(state)));
          }
        });
    metrics.gauge(
        "switchplane_host_generation_lag",
        "Generations a host's applied state is behind its DVS's desired generation.",
        List.of("dvs", "host"),
        cb -> {
          for (HostPushStatus s : book.list(null)) {
            cb.call(
                Math.max(0, s.getDesiredGeneration() - s.getAppliedGeneration()),
                s.getDvsName(),
                s.getHostName());
          }
        });
    metrics.gauge(
        "switchplane_pending_confirms",
        "Hosts that applied their DVS's generation and wait for the manager's confirm, per DVS.",
        List.of("dvs"),
        cb ->
            byState(book)
                .forEach(
                    (dvs, counts) ->
                        cb.call(counts.get(HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM), dvs)));
    metrics.gauge(
        "switchplane_dvs_generation",
        "The newest generation of each DVS the leader pushes.",
        List.of("dvs"),
        cb -> {
          Map<String, Long> generations = new LinkedHashMap<>();
          for (HostPushStatus s : book.list(null)) {
            generations.merge(s.getDvsName(), s.getDesiredGeneration(), Math::max);
          }
          generations.forEach((dvs, g) -> cb.call(g, dvs));
        });
    metrics.gauge(
        "switchplane_push_queue_depth",
        "Pushes waiting for a call slot.",
        List.of(),
        cb -> cb.call(queued.getAsInt()));
    metrics.gauge(
        "switchplane_pushes_in_flight",
        "Apply and Confirm calls in flight.",
        List.of(),
        cb -> cb.call(inFlight.getAsInt()));
  }

  /** Per DVS name, the count of hosts in every state, zeros included. */
  static Map<String, Map<HostSyncState, Integer>> byState(HostStatusBook book) {
    Map<String, Map<HostSyncState, Integer>> out = new LinkedHashMap<>();
    for (HostPushStatus s : book.list(null)) {
      out.computeIfAbsent(s.getDvsName(), d -> zeros()).merge(s.getState(), 1, Integer::sum);
    }
    return out;
  }

  static String label(HostSyncState state) {
    return EnumLabels.metric(state, "HOST_SYNC_STATE_");
  }

  private static Map<HostSyncState, Integer> zeros() {
    Map<HostSyncState, Integer> counts = new EnumMap<>(HostSyncState.class);
    STATES.forEach(s -> counts.put(s, 0));
    return counts;
  }

  private static List<HostSyncState> states() {
    List<HostSyncState> states = new ArrayList<>();
    for (HostSyncState s : HostSyncState.values()) {
      if (s != HostSyncState.HOST_SYNC_STATE_UNSPECIFIED && s != HostSyncState.UNRECOGNIZED) {
        states.add(s);
      }
    }
    return List.copyOf(states);
  }
}
