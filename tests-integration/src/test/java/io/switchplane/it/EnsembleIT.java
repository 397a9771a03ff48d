package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
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
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers with an owner per DVS ({@code --dvs-ownership}) on a real three-server ZooKeeper
 * ensemble (each server its own process), three agents as processes, and a steady stream of change
 * sets on six DVSes (following the refusals that name each DVS's owner) while faults come one after
 * the other: a ZooKeeper server killed (every other time the one that leads the ensemble) and
 * restarted; the manager owning the most DVSes killed while it pushes, and restarted; the manager
 * owning the most DVSes partitioned from ZooKeeper (every byte dropped by its proxies) and healed.
 * After all of them: no acknowledged change set lost (each in ZooKeeper, under its generation, and
 * on every host) and, from the agents' history rows (each names the owner {manager, epoch} that
 * pushed it), no generation applied by two owners on one host and no push by an owner after a newer
 * owner of the DVS had pushed; and the worst time for a DVS to have a pushing owner again, per
 * fault kind. {@code -Densemble.rounds=N} sets the rounds (one fault of each kind per round; 3 by
 * default, which keeps CI within a few minutes: the figures in README come from 20).
 *
 * <p>A second test measures push throughput on 30 DVSes with one manager, then with three (the
 * DVSes spread over them).
 */
class EnsembleIT {
  private static final Duration SESSION = Duration.ofSeconds(2);
  private static final int HOSTS = 3;
  private static final String WEB = "web";

  /** At most one change set per DVS this often in the fault test. */
  private static final Duration PACE = Duration.ofMillis(100);

  /** Change records the manager keeps per DVS (ChangeLogStore.KEEP), all listed at once. */
  private static final int KEPT = 1_000;

  /**
   * The bound of every wait for the system to come back (a leader, a server, hosts applying):
   * generous, as a loaded 2-core CI machine takes tens of seconds where a quiet one takes one.
   */
  private static final Duration WAIT = Duration.ofSeconds(120);

  // Kept when the test fails: the manager, agent and ZooKeeper logs are the evidence.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

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
    // -Densemble.keep=DIR: the logs of a passing run too (a failing one keeps its own).
    String keep = System.getProperty("ensemble.keep");
    if (keep != null) {
      Path to = Path.of(keep).resolve("ensemble-" + System.currentTimeMillis());
      try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all::iterator) {
          if (java.nio.file.Files.isRegularFile(p) && p.toString().endsWith(".log")) {
            Path target = to.resolve(dir.relativize(p));
            java.nio.file.Files.createDirectories(target.getParent());
            java.nio.file.Files.copy(p, target);
          }
        }
      }
      System.out.println("ensemble: logs kept in " + to);
    }
  }

  private void startAll(int startedManagers) throws Exception {
    zk = ZkEnsemble.start(dir.resolve("zk"), 3);
    zk.awaitServing(WAIT);
    agents = AgentProcesses.start(dir.resolve("agents"), HOSTS);
    managers = new ManagerProcesses(dir.resolve("managers"), zk, 3, SESSION, true);
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

  /**
   * Hosts registered (by the cluster leader); each DVS created (at any manager) with port group web
   * and every host a member (written at its owner, following the refusals that name it).
   */
  private void seed(List<String> names) {
    int leader = awaitLeader();
    for (int h = 0; h < HOSTS; h++) {
      managers
          .api(leader, Duration.ofSeconds(20))
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName(AgentProcesses.host(h))
                  .setEndpoint(agents.endpoint(h))
                  .build());
    }
    for (int d = 0; d < names.size(); d++) {
      String name = names.get(d);
      String id =
          atOwner(d, a -> a.createDvs(CreateDvsRequest.newBuilder().setName(name).build()))
              .getDvs()
              .getId();
      dvsIds.put(name, id);
      atOwner(
          d,
          a ->
              a.createPortGroup(
                  CreatePortGroupRequest.newBuilder()
                      .setDvs(name)
                      .setPortGroup(PortGroup.newBuilder().setName(WEB))
                      .build()));
      for (int h = 0; h < HOSTS; h++) {
        String host = AgentProcesses.host(h);
        atOwner(
            d,
            a ->
                a.addDvsMember(
                    AddDvsMemberRequest.newBuilder()
                        .setDvs(name)
                        .setMember(HostMember.newBuilder().setHostId(host))
                        .build()));
      }
    }
  }

  /**
   * Sends call to manager entry (or the next live one); a NOT_DVS_OWNER refusal naming the owner
   * goes there, one while the DVS has no owner (UNAVAILABLE) goes to the next manager after a
   * pause, within {@link #WAIT}. Only for calls that cannot commit twice (seeding, reads).
   */
  private <T> T atOwner(int entry, Function<ManagerServiceBlockingStub, T> call) {
    int target = entry % managers.size();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      while (!managers.alive(target)) {
        target = (target + 1) % managers.size();
      }
      try {
        return call.apply(managers.api(target, Duration.ofSeconds(20)));
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        boolean notOwner =
            StatusMapping.reason(e).filter(r -> r == ErrorReason.NOT_DVS_OWNER).isPresent();
        String owner = StatusMapping.metadata(e).get(ErrorReason.OWNER_ENDPOINT);
        if (notOwner && owner != null && managers.index(owner) >= 0) {
          target = managers.index(owner);
        } else if (notOwner || e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          target = (target + 1) % managers.size();
          await().pollDelay(Duration.ofMillis(100)).until(() -> true);
        } else {
          throw e;
        }
      }
    }
  }

  @Test
  void noCommitLostAndNoTwoOwnersPushingThroughZooKeeperOwnerKillAndPartitionFaults()
      throws Exception {
    int rounds = Integer.getInteger("ensemble.rounds", 3);
    startAll(3);
    List<String> names = List.of("d0", "d1", "d2", "d3", "d4", "d5");
    seed(names);
    awaitSpread(3);
    Map<String, List<Long>> recovery = new LinkedHashMap<>();
    // Per manager fault: ms until other live managers claimed every DVS the victim owned.
    Map<String, List<Long>> claims = new LinkedHashMap<>();
    List<Cut> cuts = new ArrayList<>();
    long began = System.nanoTime();
    CompletableFuture<Void> zkBack = CompletableFuture.completedFuture(null);
    CompletableFuture<Void> managerBack = CompletableFuture.completedFuture(null);
    HistoryWatch history =
        new HistoryWatch(agents, List.copyOf(dvsIds.values())).start(Duration.ofMillis(500));
    ChangeStream stream = new ChangeStream(managers, names, HOSTS, WEB, PACE, "c");
    stream.start();
    try (history;
        stream;
        AutoCloseable trail =
            () -> java.nio.file.Files.write(dir.resolve("stream.log"), stream.trail())) {
      await().atMost(WAIT).until(() -> stream.acks().size() >= 10);
      for (int r = 0; r < rounds; r++) {
        // 1. A ZooKeeper server, every other time the ensemble's leader.
        zkBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.awaitServing(WAIT);
        awaitSpread(3);
        int zkLeader = zk.leader();
        int victim = r % 2 == 0 ? zkLeader : (zkLeader + 1) % zk.size();
        Map<String, Long> before = acked(stream, names);
        long t0 = System.nanoTime();
        zk.kill(victim);
        long zkMs = awaitPushingAgain(before, t0, -1, Map.of()).pushedMs();
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

        // 2. The manager owning the most DVSes, killed while the stream keeps it pushing.
        managerBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Map<Integer, Map<String, Long>> owning = awaitSpread(3);
        int owner = busiestOwner(owning, r);
        before = acked(stream, names);
        t0 = System.nanoTime();
        managers.kill(owner);
        Recovery killed = awaitPushingAgain(before, t0, owner, owning.get(owner));
        record(recovery, "owning manager killed", killed.pushedMs());
        record(claims, "owning manager killed", killed.claimedMs());
        managerBack =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    managers.start(owner);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });

        // 3. The manager owning the most DVSes, partitioned from every ZooKeeper server while it
        // owns them (as every manager shows), then healed.
        managerBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Map<Integer, Map<String, Long>> spread = awaitSpread(3);
        int cut = busiestOwner(spread, r + 1);
        before = acked(stream, names);
        long cutAtMs = System.currentTimeMillis(); // the agents' history rows carry this clock
        t0 = System.nanoTime();
        managers.partition(cut);
        cuts.add(new Cut(ManagerProcesses.id(cut), cutAtMs, spread.get(cut)));
        Recovery partitioned = awaitPushingAgain(before, t0, cut, spread.get(cut));
        record(recovery, "owning manager partitioned", partitioned.pushedMs());
        record(claims, "owning manager partitioned", partitioned.claimedMs());
        managers.heal(cut);
        System.out.printf(
            "ensemble round %d: %s %d ms, owning manager killed %d ms, partitioned %d ms"
                + " (%s cut at %d)%n",
            r + 1,
            r % 2 == 0 ? "zookeeper leader killed" : "zookeeper follower killed",
            zkMs,
            last(recovery, "owning manager killed"),
            last(recovery, "owning manager partitioned"),
            ManagerProcesses.id(cut),
            cutAtMs);
      }
      zkBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      managerBack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      zk.awaitServing(WAIT);
      awaitSpread(3);
    }
    long faultsMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    // The stream is stopped: every acknowledged change set must be stored and on every host.
    ChangeStreamSummary summary = checkNothingLost(stream, names);
    // The agents' history read once more now that every host holds the last generation.
    history.close();
    List<String> twoOwners = history.twoOwnersOnOneHost();
    List<String> overlapping = history.pushesAfterANewerOwner();
    List<String> lateAfterCut = new ArrayList<>();
    List<Long> lastPushAfterCut = new ArrayList<>();
    List<Long> handOverGap = new ArrayList<>();
    for (Cut c : cuts) {
      for (Map.Entry<String, Long> owned : c.owned().entrySet()) {
        String dvs = owned.getKey();
        OptionalLong last = history.lastPushAt(dvs, c.manager(), owned.getValue());
        OptionalLong next = history.firstPushAbove(dvs, owned.getValue());
        if (last.isPresent() && last.getAsLong() >= c.atMs()) {
          lastPushAfterCut.add(last.getAsLong() - c.atMs());
        }
        if (next.isEmpty()) {
          lateAfterCut.add(c.manager() + " cut at " + c.atMs() + ": no newer owner pushed " + dvs);
        } else {
          // From the cut owner's last push at its epoch (or the cut) to the next owner's first.
          long stopped = Math.max(c.atMs(), last.orElse(c.atMs()));
          handOverGap.add(next.getAsLong() - stopped);
        }
      }
    }
    long everyHost = 0;
    long ackedGenerations = 0;
    for (ChangeStream.Ack ack : stream.acks()) {
      ackedGenerations++;
      String id = dvsIds.get(ack.dvs());
      if (IntStream.range(0, HOSTS)
          .allMatch(h -> history.generationsApplied(h, id).contains(ack.generation()))) {
        everyHost++;
      }
    }
    recovery.forEach(
        (kind, ms) ->
            System.out.printf(
                "ensemble %-27s %2d faults, ms until every DVS is pushed again: %s%n",
                kind, ms.size(), Figures.distribution(ms)));
    claims.forEach(
        (kind, ms) ->
            System.out.printf(
                "ensemble %-27s %2d faults, ms until other managers claimed all it owned: %s%n",
                kind, ms.size(), Figures.distribution(ms)));
    System.out.printf(
        "ensemble: %d rounds in %d s, %d DVSes x %d hosts, owner per DVS; %d change sets committed"
            + " (%d of them found in the change log after their answer was lost; %d older than the"
            + " change records kept), %d lost, %d resends (%d to the owner a refusal named),"
            + " %d change-log look-ups; history: %d apply rows seen in %d reads (%d failed), %d"
            + " without an owner, %d acknowledged generations applied by every host as such (the"
            + " rest coalesced into a later one), %d generations applied by two owners on one host"
            + " (%d more re-applied by a new owner after the agent rolled the old owner's apply"
            + " back), %d generations whose hosts were pushed partly by the old owner and partly by"
            + " the new, %d pushes by an owner after a newer owner had pushed the DVS;"
            + " partitioned owners: %d of %d pushed after the cut, last push %s ms after"
            + " the cut, then %s ms until the next owner's first push (session %d ms, load %s)%n",
        rounds,
        faultsMs / 1000,
        names.size(),
        HOSTS,
        summary.committed(),
        summary.foundInLog(),
        summary.olderThanKept(),
        summary.lost().size(),
        stream.resends(),
        stream.redirects(),
        stream.lookUps(),
        history.applies().size(),
        history.reads(),
        history.failedReads(),
        history.withoutOwner(),
        everyHost,
        twoOwners.size(),
        history.reappliedAfterRollback().size(),
        history.generationsSplitAcrossHosts(),
        overlapping.size(),
        lastPushAfterCut.size(),
        handOverGap.size(),
        lastPushAfterCut.isEmpty() ? "(none)" : Figures.distribution(lastPushAfterCut),
        handOverGap.isEmpty() ? "(none)" : Figures.distribution(handOverGap),
        SESSION.toMillis(),
        Figures.loadAverage());
    summary.lost().forEach(o -> System.out.println("ensemble lost: " + o));
    overlapping.forEach(o -> System.out.println("ensemble two pushers: " + o));
    twoOwners.forEach(o -> System.out.println("ensemble two owners on one host: " + o));
    assertThat(summary.unexpected()).isEmpty();
    assertThat(summary.lost()).isEmpty();
    assertThat(history.withoutOwner()).isZero();
    assertThat(twoOwners).isEmpty();
    assertThat(overlapping).isEmpty();
    assertThat(lateAfterCut).isEmpty();
    assertThat(ackedGenerations).isEqualTo(summary.committed());
    assertThat(recovery.values().stream().mapToInt(List::size).sum())
        .isGreaterThanOrEqualTo(3 * rounds);
  }

  /**
   * An owning manager partitioned at atMs (the agents' clock), owning those DVSes then (id to
   * epoch).
   */
  private record Cut(String manager, long atMs, Map<String, Long> owned) {}

  /**
   * Waits until live managers run, every DVS has a live owner and each of them owns its fair share
   * (counts differing by one at most), as the managers list it; returns manager index to DVS ids.
   */
  private Map<Integer, Map<String, Long>> awaitSpread(int live) {
    AtomicReference<Map<Integer, Map<String, Long>>> seen = new AtomicReference<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Optional<Map<Integer, Map<String, Long>>> owners = managers.owners();
              if (owners.isEmpty() || !owners.get().getOrDefault(-1, Map.of()).isEmpty()) {
                return false;
              }
              Map<Integer, Map<String, Long>> byManager = new TreeMap<>(owners.get());
              byManager.remove(-1);
              IntSummaryStatistics counts =
                  byManager.values().stream().mapToInt(Map::size).summaryStatistics();
              seen.set(byManager);
              return byManager.size() == live
                  && counts.getSum() == dvsIds.size()
                  && counts.getMax() - counts.getMin() <= 1;
            });
    return seen.get();
  }

  /**
   * A manager owning the most DVSes: of those, the first at or after index from (so that the rounds
   * take turns).
   */
  private static int busiestOwner(Map<Integer, Map<String, Long>> spread, int from) {
    int most = spread.values().stream().mapToInt(Map::size).max().orElseThrow();
    return spread.keySet().stream()
        .filter(m -> spread.get(m).size() == most)
        .min(java.util.Comparator.comparingInt(m -> Math.floorMod(m - from, 3)))
        .orElseThrow();
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
    awaitSpread(1);
    awaitEveryHostInSync(names);
    Duration window = Duration.ofSeconds(Integer.getInteger("ensemble.throughput.seconds", 15));
    Throughput one = measure(names, window, "one");
    managers.start(1);
    managers.start(2);
    Map<Integer, Map<String, Long>> spread = awaitSpread(3);
    awaitEveryHostInSync(names);
    Throughput three = measure(names, window, "three");
    System.out.printf(
        "ensemble throughput: DVSes owned per manager with three: %s%n",
        spread.entrySet().stream()
            .map(e -> ManagerProcesses.id(e.getKey()) + "=" + e.getValue().size())
            .collect(Collectors.joining(", ")));
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
   * Waits until, for every DVS, its owner says every member host is in sync (nothing left to push).
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
              for (int d = 0; d < names.size(); d++) {
                String name = names.get(d);
                List<HostPushStatus> hosts =
                    atOwner(
                            d,
                            a ->
                                a.getPushStatus(
                                    GetPushStatusRequest.newBuilder().setDvs(name).build()))
                        .getHostsList();
                if (hosts.size() != HOSTS
                    || !hosts.stream()
                        .allMatch(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC)) {
                  return false;
                }
              }
              return true;
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

  private static long last(Map<String, List<Long>> recovery, String kind) {
    List<Long> ms = recovery.get(kind);
    return ms.get(ms.size() - 1);
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
   * How long a fault took: pushedMs until every DVS was pushed again, claimedMs (-1 for a fault
   * that takes no manager away) until other managers had claimed every DVS the victim owned.
   */
  private record Recovery(long pushedMs, long claimedMs) {}

  /**
   * Milliseconds from t0 until, for every DVS, every host applied a generation newer than the one
   * acknowledged last before t0 (the worst DVS): a manager writes and pushes that DVS again. It
   * includes up to one pace of the stream, and the time the stream's change set in flight at the
   * fault took to fail (a manager cut from ZooKeeper answers UNAVAILABLE once its session is lost).
   * With a victim manager (-1: none), also until each DVS it owned (id to epoch) is listed (by a
   * manager other than it) as owned by another live manager at a newer epoch: the ownership part.
   */
  private Recovery awaitPushingAgain(
      Map<String, Long> before, long t0, int victim, Map<String, Long> owned) {
    Map<String, Long> doneAt = new HashMap<>();
    Map<String, Long> claimedAt = new HashMap<>();
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
              if (victim >= 0 && !claimedAt.keySet().containsAll(owned.keySet())) {
                claimsSeen(victim, owned, claimedAt);
              }
              return doneAt.size() == before.size()
                  && claimedAt.keySet().containsAll(owned.keySet());
            });
    return new Recovery(
        TimeUnit.NANOSECONDS.toMillis(Collections.max(doneAt.values()) - t0),
        claimedAt.isEmpty()
            ? -1
            : TimeUnit.NANOSECONDS.toMillis(Collections.max(claimedAt.values()) - t0));
  }

  /**
   * Adds to claimedAt (DVS id to when first seen) each DVS of owned (id to the victim's epoch) that
   * the first manager other than victim to answer lists as owned by another manager at a newer
   * epoch.
   */
  private void claimsSeen(int victim, Map<String, Long> owned, Map<String, Long> claimedAt) {
    for (int i = 0; i < managers.size(); i++) {
      if (i == victim) {
        continue;
      }
      Optional<Map<Integer, Map<String, Long>>> seen =
          managers.ownersAsSeenBy(i, Duration.ofSeconds(2));
      if (seen.isEmpty()) {
        continue;
      }
      long now = System.nanoTime();
      seen.get()
          .forEach(
              (m, dvses) -> {
                if (m >= 0 && m != victim) {
                  dvses.forEach(
                      (dvs, epoch) -> {
                        if (owned.containsKey(dvs) && epoch > owned.get(dvs)) {
                          claimedAt.putIfAbsent(dvs, now);
                        }
                      });
                }
              });
      return;
    }
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
