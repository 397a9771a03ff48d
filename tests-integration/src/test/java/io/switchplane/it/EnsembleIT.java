package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListPortsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.it.ManagerProcesses.LeadershipEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers on a real three-server ZooKeeper ensemble (each server its own process), three
 * agents as processes, and a steady stream of change sets while faults come one after the other: a
 * ZooKeeper server killed (every other time the one that leads the ensemble) and restarted; the
 * leading manager killed while it pushes, and restarted; the leading manager partitioned from
 * ZooKeeper (every byte dropped by its proxies) and healed. After all of them: no acknowledged
 * change set lost (each in ZooKeeper, under its generation, and on every host), leaderships that
 * never overlap, and the worst time for a DVS to have a pushing manager again, per fault kind.
 * {@code -Densemble.rounds=N} sets the rounds (one fault of each kind per round; 3 by default,
 * which keeps CI within a few minutes: the figures in README come from 20).
 *
 * <p>A second test measures push throughput on 30 DVSes with one manager, then with three.
 */
class EnsembleIT {
  private static final Duration SESSION = Duration.ofSeconds(2);
  private static final int HOSTS = 3;
  private static final String WEB = "web";

  /** Change records the manager keeps per DVS (ChangeLogStore.KEEP), all listed at once. */
  private static final int KEPT = 1_000;

  /**
   * The bound of every wait for the system to come back (a leader, a server, hosts applying):
   * generous, as a loaded 2-core CI machine takes tens of seconds where a quiet one takes one.
   */
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;
  private ZkEnsemble zk;
  private AgentProcesses agents;
  private ManagerProcesses managers;
  private final Map<String, String> dvsIds = new LinkedHashMap<>();

  @AfterEach
  void tearDown() throws Exception {
    if (managers != null) {
      managers.close();
    }
    if (agents != null) {
      agents.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private void startAll(int startedManagers) throws Exception {
    zk = ZkEnsemble.start(dir.resolve("zk"), 3);
    zk.awaitServing(WAIT);
    agents = AgentProcesses.start(dir.resolve("agents"), HOSTS);
    managers = new ManagerProcesses(dir.resolve("managers"), zk, 3, SESSION);
    for (int i = 0; i < startedManagers; i++) {
      managers.start(i);
    }
    awaitLeader();
  }

  private int awaitLeader() {
    int[] leader = new int[1];
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> (leader[0] = managers.leader()) >= 0);
    return leader[0];
  }

  /** Hosts registered; each DVS with port group web and every host a member. */
  private void seed(List<String> names) {
    int leader = awaitLeader();
    // A deadline per call: a stub's deadline is fixed when it is made.
    java.util.function.Supplier<ManagerServiceBlockingStub> api =
        () -> managers.api(leader, Duration.ofSeconds(20));
    for (int h = 0; h < HOSTS; h++) {
      api.get()
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName(AgentProcesses.host(h))
                  .setEndpoint(agents.endpoint(h))
                  .build());
    }
    for (String name : names) {
      String id =
          api.get().createDvs(CreateDvsRequest.newBuilder().setName(name).build()).getDvs().getId();
      dvsIds.put(name, id);
      api.get()
          .createPortGroup(
              CreatePortGroupRequest.newBuilder()
                  .setDvs(name)
                  .setPortGroup(PortGroup.newBuilder().setName(WEB))
                  .build());
      for (int h = 0; h < HOSTS; h++) {
        api.get()
            .addDvsMember(
                AddDvsMemberRequest.newBuilder()
                    .setDvs(name)
                    .setMember(HostMember.newBuilder().setHostId(AgentProcesses.host(h)))
                    .build());
      }
    }
  }

  @Test
  void noCommitLostAndNoTwoLeadersThroughZooKeeperManagerAndPartitionFaults() throws Exception {
    int rounds = Integer.getInteger("ensemble.rounds", 3);
    startAll(3);
    List<String> names = List.of("d0", "d1", "d2");
    seed(names);
    Map<String, List<Long>> recovery = new LinkedHashMap<>();
    List<String> fencing = new ArrayList<>();
    int[] notLeadingAtCut = new int[1];
    long began = System.nanoTime();
    CompletableFuture<Void> zkBack = CompletableFuture.completedFuture(null);
    CompletableFuture<Void> managerBack = CompletableFuture.completedFuture(null);
    ChangeStream stream =
        new ChangeStream(managers, names, HOSTS, WEB, Duration.ofMillis(100), "c");
    stream.start();
    try (stream) {
      await().atMost(WAIT).until(() -> stream.acks().size() >= 10);
      for (int r = 0; r < rounds; r++) {
        // 1. A ZooKeeper server, every other time the ensemble's leader.
        zkBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.awaitServing(WAIT);
        int zkLeader = zk.leader();
        int victim = r % 2 == 0 ? zkLeader : (zkLeader + 1) % zk.size();
        Map<String, Long> before = acked(stream, names);
        long t0 = System.nanoTime();
        zk.kill(victim);
        long zkMs = awaitPushingAgain(before, t0);
        record(
            recovery, r % 2 == 0 ? "zookeeper leader killed" : "zookeeper follower killed", zkMs);
        zkBack =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    zk.restart(victim);
                    zk.awaitServing(victim, WAIT);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });

        // 2. The leading manager, killed while the stream keeps it pushing.
        managerBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int leader = awaitLeader();
        before = acked(stream, names);
        t0 = System.nanoTime();
        managers.kill(leader);
        record(recovery, "leading manager killed", awaitPushingAgain(before, t0));
        managerBack =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    managers.start(leader);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });

        // 3. The leading manager, partitioned from every ZooKeeper server, then healed.
        int cut = awaitLeader();
        before = acked(stream, names);
        // The managers' log lines carry this machine's local time.
        LocalTime cutAt = LocalTime.now(ZoneId.systemDefault());
        t0 = System.nanoTime();
        managers.partition(cut);
        record(recovery, "leading manager partitioned", awaitPushingAgain(before, t0));
        Optional<List<String>> late = stepDownBeforeTakeOver(cut, cutAt);
        if (late.isPresent()) {
          fencing.addAll(late.get());
        } else {
          notLeadingAtCut[0]++;
        }
        managers.heal(cut);
        System.out.printf(
            "ensemble round %d: %s%n",
            r + 1,
            recovery.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().get(e.getValue().size() - 1) + " ms")
                .collect(Collectors.joining(", ")));
      }
      zkBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      managerBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      zk.awaitServing(WAIT);
    }
    long faultsMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    // The stream is stopped: every acknowledged change set must be stored and on every host.
    ChangeStreamSummary summary = checkNothingLost(stream, names);
    List<String> overlaps = overlappingLeaderships();
    recovery.forEach(
        (kind, ms) ->
            System.out.printf(
                "ensemble %-27s %2d faults, ms until every DVS is pushed again: %s%n",
                kind, ms.size(), Figures.distribution(ms)));
    System.out.printf(
        "ensemble: %d rounds in %d s; %d change sets committed (%d of them found in the change log"
            + " after their answer was lost; %d older than the change records kept), %d lost,"
            + " %d resends, %d change-log look-ups;"
            + " %d leaderships overlapping, %d partitioned leaders stepping down late,"
            + " %d partitions of a manager that no longer led (session %d ms, load %s)%n",
        rounds,
        faultsMs / 1000,
        summary.committed(),
        summary.foundInLog(),
        summary.olderThanKept(),
        summary.lost().size(),
        stream.resends(),
        stream.lookUps(),
        overlaps.size(),
        fencing.size(),
        notLeadingAtCut[0],
        SESSION.toMillis(),
        Figures.loadAverage());
    assertThat(summary.unexpected()).isEmpty();
    assertThat(summary.lost()).isEmpty();
    assertThat(overlaps).isEmpty();
    assertThat(fencing).isEmpty();
    assertThat(recovery.values().stream().mapToInt(List::size).sum())
        .isGreaterThanOrEqualTo(3 * rounds);
  }

  /**
   * Change sets as fast as they are acknowledged on 30 DVSes of three hosts each, one stream thread
   * per DVS, for a window ({@code -Densemble.throughput.seconds}, default 15): first with one
   * manager running, then with all three. Each change set reaches every host, so the host states
   * applied are the hosts times the change sets committed, over the time until every host holds the
   * last generation of each DVS committed in the window (the push engine may coalesce generations
   * on the way).
   */
  @Test
  void pushThroughputOnThirtyDvsesWithOneManagerThenThree() throws Exception {
    startAll(1);
    List<String> names = IntStream.range(0, 30).mapToObj(i -> "t" + i).toList();
    seed(names);
    awaitEveryHostInSync(names);
    Duration window = Duration.ofSeconds(Integer.getInteger("ensemble.throughput.seconds", 15));
    Throughput one = measure(names, window, "one");
    managers.start(1);
    managers.start(2);
    awaitLeader();
    awaitEveryHostInSync(names);
    Throughput three = measure(names, window, "three");
    for (Throughput t : List.of(one, three)) {
      System.out.printf(
          "ensemble throughput, %s manager(s) on 30 DVSes x %d hosts: %.1f change sets/s"
              + " committed, %.1f host states/s applied (%d change sets, %d resends,"
              + " %d change-log look-ups; every host held the last %d ms after the window;"
              + " load %s)%n",
          t.tag(),
          HOSTS,
          t.commitsPerSecond(),
          t.appliedPerSecond(),
          t.commits(),
          t.resends(),
          t.lookUps(),
          t.drainMs(),
          t.load());
      assertThat(t.unexpected()).isEmpty();
      assertThat(t.commits()).isPositive();
    }
  }

  /** What one throughput window gave. */
  private record Throughput(
      String tag,
      long commits,
      long resends,
      long lookUps,
      long drainMs,
      double commitsPerSecond,
      double appliedPerSecond,
      List<String> unexpected,
      String load) {}

  private Throughput measure(List<String> names, Duration window, String tag) throws Exception {
    ChangeStream stream = new ChangeStream(managers, names, HOSTS, WEB, Duration.ZERO, tag);
    long t0 = System.nanoTime();
    try (ChangeStream running = stream.start()) {
      await()
          .during(window)
          .atMost(window.plusSeconds(5))
          .until(() -> running.unexpected().isEmpty());
    }
    long commitsNanos = System.nanoTime() - t0;
    List<ChangeStream.Ack> acks = stream.acks();
    Map<String, Long> last = new HashMap<>();
    acks.forEach(a -> last.merge(dvsIds.get(a.dvs()), a.generation(), Math::max));
    AtomicReference<Map<String, Long>> end = new AtomicReference<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              end.set(appliedOnEveryHost());
              return last.entrySet().stream()
                  .allMatch(
                      e ->
                          IntStream.range(0, HOSTS)
                              .allMatch(
                                  h ->
                                      end.get().getOrDefault(h + "/" + e.getKey(), 0L)
                                          >= e.getValue()));
            });
    long appliedNanos = System.nanoTime() - t0;
    return new Throughput(
        tag,
        acks.size(),
        stream.resends(),
        stream.lookUps(),
        TimeUnit.NANOSECONDS.toMillis(appliedNanos - commitsNanos),
        acks.size() / (commitsNanos / 1e9),
        HOSTS * acks.size() / (appliedNanos / 1e9),
        stream.unexpected(),
        Figures.loadAverage());
  }

  /**
   * Waits until the leader says every member host of every DVS is in sync (nothing left to push).
   * Not "every host at the DVS's stored generation": a host a commit does not affect keeps its
   * older generation (the push engine contacts only affected hosts), so a host that joined first
   * stays below the generations its later peers' joins made.
   */
  private void awaitEveryHostInSync(List<String> names) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .until(
            () -> {
              List<HostPushStatus> hosts =
                  managers
                      .api(awaitLeader(), Duration.ofSeconds(10))
                      .getPushStatus(GetPushStatusRequest.getDefaultInstance())
                      .getHostsList();
              return hosts.size() == names.size() * HOSTS
                  && hosts.stream()
                      .allMatch(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC);
            });
  }

  /** Each host's applied generation of each DVS, keyed "host/dvsId". */
  private Map<String, Long> appliedOnEveryHost() {
    Map<String, Long> out = new HashMap<>();
    for (int h = 0; h < HOSTS; h++) {
      int host = h;
      agents.appliedGenerations(h).forEach((id, g) -> out.put(host + "/" + id, g));
    }
    return out;
  }

  private static void record(Map<String, List<Long>> recovery, String kind, long ms) {
    recovery.computeIfAbsent(kind, k -> new ArrayList<>()).add(ms);
  }

  /** The last acknowledged generation of each DVS (0: none yet). */
  private static Map<String, Long> acked(ChangeStream stream, List<String> names) {
    Map<String, Long> out = new HashMap<>();
    for (String n : names) {
      out.put(n, stream.latest(n).map(ChangeStream.Ack::generation).orElse(0L));
    }
    return out;
  }

  /**
   * Milliseconds from t0 until, for every DVS, every host applied a generation newer than the one
   * acknowledged last before t0 (the worst DVS): a manager writes and pushes that DVS again. It
   * includes up to one pace of the stream.
   */
  private long awaitPushingAgain(Map<String, Long> before, long t0) {
    Map<String, Long> doneAt = new HashMap<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(25))
        .until(
            () -> {
              List<Map<String, Long>> applied = new ArrayList<>();
              for (int h = 0; h < HOSTS; h++) {
                applied.add(agents.appliedGenerations(h));
              }
              long now = System.nanoTime();
              before.forEach(
                  (name, g) -> {
                    String id = dvsIds.get(name);
                    if (applied.stream().allMatch(a -> a.getOrDefault(id, 0L) > g)) {
                      doneAt.putIfAbsent(name, now);
                    }
                  });
              return doneAt.size() == before.size();
            });
    return TimeUnit.NANOSECONDS.toMillis(Collections.max(doneAt.values()) - t0);
  }

  /**
   * The partitioned leader must say it lost leadership before any other manager says it gained it:
   * the late take-overs, empty when none. Empty Optional when manager cut no longer led at the cut
   * by its own log (leadership moved between the look and the cut): nothing to check that round.
   */
  private Optional<List<String>> stepDownBeforeTakeOver(int cut, LocalTime cutAt) {
    List<LeadershipEvent> own = managers.leadershipEvents(cut);
    boolean ledAtCut =
        own.stream()
            .filter(e -> e.at().isBefore(cutAt))
            .reduce((a, b) -> b)
            .map(LeadershipEvent::gained)
            .orElse(false);
    if (!ledAtCut) {
      return Optional.empty();
    }
    LocalTime[] lost = new LocalTime[1];
    await()
        .atMost(WAIT)
        .until(
            () ->
                (lost[0] =
                        managers.leadershipEvents(cut).stream()
                            .filter(e -> !e.gained() && !e.at().isBefore(cutAt))
                            .map(LeadershipEvent::at)
                            .findFirst()
                            .orElse(null))
                    != null);
    List<String> late = new ArrayList<>();
    for (int m = 0; m < managers.size(); m++) {
      if (m == cut) {
        continue;
      }
      for (LeadershipEvent e : managers.leadershipEvents(m)) {
        if (e.gained() && !e.at().isBefore(cutAt) && e.at().isBefore(lost[0])) {
          late.add(
              ManagerProcesses.id(cut)
                  + " cut at "
                  + cutAt
                  + " stepped down at "
                  + lost[0]
                  + " but "
                  + ManagerProcesses.id(m)
                  + " took over at "
                  + e.at());
        }
      }
    }
    return Optional.of(late);
  }

  /** Gains that came while another manager still held leadership by its own log. */
  private List<String> overlappingLeaderships() {
    List<LeadershipEvent> all = new ArrayList<>();
    for (int m = 0; m < managers.size(); m++) {
      all.addAll(managers.leadershipEvents(m));
    }
    all.sort(
        java.util.Comparator.comparing(LeadershipEvent::at)
            .thenComparing(LeadershipEvent::gained)); // a loss and a gain in one ms: loss first
    Set<Integer> leading = new HashSet<>();
    List<String> overlaps = new ArrayList<>();
    for (LeadershipEvent e : all) {
      if (e.gained()) {
        if (!leading.isEmpty()) {
          overlaps.add(
              ManagerProcesses.id(e.manager())
                  + " gained at "
                  + e.at()
                  + " while "
                  + leading
                  + " led");
        }
        leading.add(e.manager());
      } else {
        leading.remove(e.manager());
      }
    }
    return overlaps;
  }

  /** What the final checks found. */
  private record ChangeStreamSummary(
      int committed,
      long foundInLog,
      long olderThanKept,
      List<String> lost,
      List<String> unexpected) {}

  /**
   * Every committed change set (acknowledged, or found in the change log after its answer was
   * lost), read back from ZooKeeper through a manager that does not lead (a follower reads
   * ZooKeeper itself, not a cache): the change record of its generation carries its request id and
   * description (so the generation is that change set's, not another one's under the same number,
   * and no change set is in twice), and each DVS holds exactly the stream's ports of its last
   * {@link ChangeStream#WINDOW} change sets (each change set deletes the ports of the one that many
   * before it: one lost after its acknowledgement would have made a later one fail). Then on the
   * hosts: each at the stored generation, nothing pending, with exactly its share of those ports.
   */
  private ChangeStreamSummary checkNothingLost(ChangeStream stream, List<String> names) {
    int leader = awaitLeader();
    int reader =
        IntStream.range(0, managers.size())
            .filter(i -> i != leader && managers.alive(i))
            .findFirst()
            .orElse(leader);
    // Wait for ready: the channel to a manager that was down backs off and would fail fast with
    // the old connection error although the manager serves again.
    ManagerServiceBlockingStub api = managers.api(reader, WAIT).withWaitForReady();
    AuditServiceGrpc.AuditServiceBlockingStub audit =
        AuditServiceGrpc.newBlockingStub(managers.channel(reader)).withWaitForReady();
    List<String> lost = new ArrayList<>();
    long[] olderThanKept = new long[1];
    List<ChangeStream.Ack> acks = stream.acks();
    Map<String, Long> storedGeneration = new HashMap<>();
    Map<String, Set<String>> expected = new HashMap<>();
    for (String name : names) {
      long lastSeq = stream.latest(name).map(ChangeStream.Ack::seq).orElse(0L);
      expected.put(name, stream.portsAfter(lastSeq));
      ListPortsResponse ports = api.listPorts(ListPortsRequest.newBuilder().setDvs(name).build());
      storedGeneration.put(name, ports.getGeneration());
      Set<String> held =
          ports.getPortsList().stream()
              .map(Port::getKey)
              .filter(stream::isStreamPort)
              .collect(Collectors.toSet());
      if (!held.equals(expected.get(name))) {
        lost.add(
            name
                + " holds stream ports "
                + new TreeSet<>(held)
                + ", not "
                + new TreeSet<>(expected.get(name)));
      }
      assertThat(
              api.getDvs(GetDvsRequest.newBuilder().setDvs(name).build()).getDvs().getGeneration())
          .isEqualTo(ports.getGeneration());
    }
    // The change log keeps the newest ChangeLogStore.KEEP records of a DVS: older change sets are
    // vouched for by the port chain (each deletes the ports of the one WINDOW before it).
    Map<String, Map<Long, ChangeRecord>> kept = new HashMap<>();
    for (String name : names) {
      Map<Long, ChangeRecord> byGeneration = new HashMap<>();
      audit
          .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
          .listChanges(ListChangesRequest.newBuilder().setDvs(name).setLimit(KEPT).build())
          .getRecordsList()
          .forEach(r -> byGeneration.put(r.getGeneration(), r));
      kept.put(name, byGeneration);
    }
    for (ChangeStream.Ack ack : acks) {
      Map<Long, ChangeRecord> log = kept.get(ack.dvs());
      ChangeRecord record = log.get(ack.generation());
      if (record == null) {
        if (log.size() < KEPT || ack.generation() > Collections.min(log.keySet())) {
          lost.add(ack + ": no change record of its generation");
        } else {
          olderThanKept[0]++;
        }
      } else if (!record.getRequestId().equals(ack.requestId())
          || !record.getComment().equals(stream.description(ack.seq()))) {
        lost.add(
            ack
                + ": generation recorded as request '"
                + record.getRequestId()
                + "', '"
                + record.getComment()
                + "'");
      }
    }
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              for (String name : names) {
                for (int h = 0; h < HOSTS; h++) {
                  GetStateResponse st = agents.state(h, dvsIds.get(name));
                  if (st.getApplied().getDvs().getGeneration() != storedGeneration.get(name)
                      || st.hasPending()) {
                    return false;
                  }
                }
              }
              return true;
            });
    for (String name : names) {
      for (int h = 0; h < HOSTS; h++) {
        String suffix = "-h" + h;
        Set<String> share =
            expected.get(name).stream().filter(k -> k.endsWith(suffix)).collect(Collectors.toSet());
        Set<String> onHost =
            agents.state(h, dvsIds.get(name)).getApplied().getPortsList().stream()
                .map(Port::getKey)
                .filter(stream::isStreamPort)
                .collect(Collectors.toSet());
        if (!onHost.equals(share)) {
          lost.add(
              name
                  + " on host "
                  + h
                  + " holds stream ports "
                  + new TreeSet<>(onHost)
                  + ", not "
                  + new TreeSet<>(share));
        }
      }
    }
    return new ChangeStreamSummary(
        acks.size(), stream.foundInLog(), olderThanKept[0], lost, stream.unexpected());
  }
}
