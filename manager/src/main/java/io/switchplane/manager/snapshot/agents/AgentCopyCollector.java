package io.switchplane.manager.snapshot.agents;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AgentSnapshotServiceGrpc;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetHistoryResponse;
import io.switchplane.api.v1.GetSnapshotCopyRequest;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.ListSnapshotCopiesRequest;
import io.switchplane.api.v1.ListSnapshotCopiesResponse;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.snapshot.Recovery;
import io.switchplane.manager.snapshot.Restores;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the agents' snapshot copies for recovery. Starting from the seeds, it lists every agent's
 * copies, picks per DVS the newest copy that verifies (trying the next holder, then the next older
 * snapshot when a copy is damaged), and asks the hosts the chosen copies name too, until no new
 * agent turns up. A host agrees when it holds the chosen snapshot; it disagrees when its newest
 * copy of that DVS is another one.
 */
public final class AgentCopyCollector implements Recovery.AgentCopies, Restores.HeldGenerations {
  private static final Logger LOG = LoggerFactory.getLogger(AgentCopyCollector.class);
  private static final long CALL_SECONDS = 30;

  /** Asking for generations holds up a restore: a host that does not answer soon is skipped. */
  private static final long HISTORY_SECONDS = 5;

  private final AgentChannels channels;

  public AgentCopyCollector(AgentChannels channels) {
    this.channels = channels;
  }

  /** What one agent said: its copies by DVS, newest first. */
  private record Listing(
      String endpoint, String reportedName, Map<String, List<SnapshotInfo>> byDvs) {}

  @Override
  public Collected collect(List<String> seeds) {
    Map<String, Listing> listings = new LinkedHashMap<>();
    List<String> unreachable = new ArrayList<>();
    Deque<String> toAsk = new ArrayDeque<>(seeds);
    Set<String> asked = new HashSet<>();
    Map<String, DvsSnapshot> chosen = new TreeMap<>();
    while (!toAsk.isEmpty()) {
      while (!toAsk.isEmpty()) {
        String endpoint = toAsk.poll();
        if (asked.add(endpoint)) {
          list(endpoint, unreachable).ifPresent(l -> listings.put(endpoint, l));
        }
      }
      for (String dvsId : dvsIds(listings)) {
        choose(dvsId, listings).ifPresent(s -> chosen.put(dvsId, s));
      }
      for (DvsSnapshot s : chosen.values()) {
        SnapshotCodec.open(s).getHostsList().stream()
            .map(Host::getEndpoint)
            .filter(e -> !asked.contains(e))
            .forEach(toAsk::add);
      }
    }
    List<Found> found = new ArrayList<>();
    for (DvsSnapshot s : chosen.values()) {
      found.add(verdict(s, listings));
    }
    return new Collected(found, unreachable);
  }

  /**
   * Asks every host at once for its history of dvsId: the history keeps the generations of a switch
   * removed from the host too (GetState answers NOT_FOUND for it), and the pending apply.
   */
  @Override
  public Held newest(String dvsId, List<Host> hosts) {
    Map<Host, ListenableFuture<GetHistoryResponse>> asked = new LinkedHashMap<>();
    for (Host h : hosts) {
      asked.put(
          h,
          channels
              .futureStub(h.getEndpoint())
              .withDeadlineAfter(HISTORY_SECONDS, TimeUnit.SECONDS)
              .getHistory(GetHistoryRequest.newBuilder().setDvsId(dvsId).build()));
    }
    long newest = 0;
    List<String> unanswered = new ArrayList<>();
    for (Map.Entry<Host, ListenableFuture<GetHistoryResponse>> e : asked.entrySet()) {
      try {
        for (HistoryEntry entry : e.getValue().get().getEntriesList()) {
          newest = Math.max(newest, entry.getGeneration());
        }
      } catch (ExecutionException ex) {
        Status status = Status.fromThrowable(ex.getCause());
        if (status.getCode() != Status.Code.NOT_FOUND) { // NOT_FOUND: it never had the DVS
          LOG.info(
              "host {} could not tell its generations of DVS {}: {}",
              e.getKey().getName(),
              dvsId,
              status);
          unanswered.add(e.getKey().getName());
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw SwitchplaneException.unavailable(
            "interrupted while asking the hosts for their generations of DVS %s", dvsId);
      }
    }
    return new Held(newest, unanswered);
  }

  private Optional<Listing> list(String endpoint, List<String> unreachable) {
    try {
      ListSnapshotCopiesResponse r =
          stub(endpoint).listSnapshotCopies(ListSnapshotCopiesRequest.getDefaultInstance());
      Map<String, List<SnapshotInfo>> byDvs = new HashMap<>();
      for (SnapshotInfo info : r.getSnapshotsList()) { // newest first already
        byDvs.computeIfAbsent(info.getDvsId(), d -> new ArrayList<>()).add(info);
      }
      byDvs.values().forEach(l -> l.sort(SnapshotCodec.NEWEST_FIRST));
      return Optional.of(new Listing(endpoint, r.getHostName(), byDvs));
    } catch (StatusRuntimeException e) {
      unreachable.add(
          endpoint
              + ": "
              + e.getStatus().getCode()
              + (e.getStatus().getDescription() == null
                  ? ""
                  : " " + e.getStatus().getDescription()));
      return Optional.empty();
    }
  }

  /** The newest snapshot of dvsId that some agent holds intact. */
  private Optional<DvsSnapshot> choose(String dvsId, Map<String, Listing> listings) {
    Map<String, SnapshotInfo> candidates = new HashMap<>();
    Map<String, List<String>> holders = new HashMap<>();
    for (Listing l : listings.values()) {
      for (SnapshotInfo info : l.byDvs().getOrDefault(dvsId, List.of())) {
        candidates.putIfAbsent(info.getId(), info);
        holders.computeIfAbsent(info.getId(), id -> new ArrayList<>()).add(l.endpoint());
      }
    }
    List<SnapshotInfo> ordered = new ArrayList<>(candidates.values());
    ordered.sort(SnapshotCodec.NEWEST_FIRST);
    for (SnapshotInfo info : ordered) {
      for (String endpoint : holders.get(info.getId())) {
        try {
          DvsSnapshot s =
              stub(endpoint)
                  .getSnapshotCopy(
                      GetSnapshotCopyRequest.newBuilder().setSnapshotId(info.getId()).build())
                  .getSnapshot();
          SnapshotCodec.open(s);
          return Optional.of(s);
        } catch (StatusRuntimeException | SwitchplaneException e) {
          LOG.warn(
              "copy of snapshot {} of DVS {} on {} is not usable: {}",
              info.getName(),
              dvsId,
              endpoint,
              e.getMessage());
        }
      }
    }
    return Optional.empty();
  }

  private static Found verdict(DvsSnapshot s, Map<String, Listing> listings) {
    SnapshotContent content = SnapshotCodec.open(s);
    Map<String, String> names = new HashMap<>();
    content.getHostsList().forEach(h -> names.put(h.getEndpoint(), h.getName()));
    String dvsId = s.getInfo().getDvsId();
    List<String> agreeing = new ArrayList<>();
    List<String> disagreeing = new ArrayList<>();
    for (Listing l : listings.values()) {
      List<SnapshotInfo> held = l.byDvs().get(dvsId);
      if (held == null) {
        continue;
      }
      String who =
          names.getOrDefault(
              l.endpoint(), l.reportedName().isEmpty() ? l.endpoint() : l.reportedName());
      if (held.get(0).getId().equals(s.getInfo().getId())) {
        agreeing.add(who);
      } else {
        disagreeing.add(
            who
                + " (newest: "
                + held.get(0).getName()
                + ", generation "
                + held.get(0).getGeneration()
                + ")");
      }
    }
    return new Found(s, agreeing, disagreeing);
  }

  private static Set<String> dvsIds(Map<String, Listing> listings) {
    Set<String> out = new HashSet<>();
    listings.values().forEach(l -> out.addAll(l.byDvs().keySet()));
    return out;
  }

  private AgentSnapshotServiceGrpc.AgentSnapshotServiceBlockingStub stub(String endpoint) {
    return AgentSnapshotServiceGrpc.newBlockingStub(channels.channel(endpoint))
        .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }
}
