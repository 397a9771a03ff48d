package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetDvsResponse;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListManagersRequest;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.bench.vcsim.VcSim;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.secrets.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership per DVS with three managers (in this JVM, {@code dvsOwnership} on) on one real
 * ZooKeeper and three agents on loopback: the DVSes spread evenly, a write sent to any manager
 * lands (the test follows the NOT_DVS_OWNER refusal to the owner it names, as the CLI does), and
 * closing an owner in the middle of a stream of change sets hands its DVSes to the others:
 * afterwards every acknowledged generation is stored and applied on every host, and no host applied
 * one generation from two owners (the agents' history rows name the pushing owner).
 */
class DvsOwnershipIT {
  private static final int MANAGERS = 3;
  private static final int HOSTS = 3;
  private static final int DVSES = 9;
  private static final int WRITES_BEFORE = 36;
  private static final int WRITES_AFTER = 36;

  @TempDir Path dir;
  private TestingServer zk;
  private final List<HostAgent> agents = new ArrayList<>();
  private final List<SwitchplaneManager> managers = new ArrayList<>();
  private final Set<Integer> closed = ConcurrentHashMap.newKeySet();
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    for (int i = 0; i < HOSTS; i++) {
      HostAgent agent =
          new HostAgent(
              AgentConfig.of(0, dir.resolve("agent-" + i))
                  .withHost("", "esx" + i)
                  .withInsecurePlaintext());
      agent.start();
      agents.add(agent);
    }
    Path key = dir.resolve("managers.key");
    new SecretBox(key).seal("", "make the key file");
    for (int i = 0; i < MANAGERS; i++) {
      Path data = dir.resolve("m" + i);
      Files.createDirectories(data);
      Files.copy(key, data.resolve("vcenter-secret.key"), StandardCopyOption.REPLACE_EXISTING);
      managers.add(
          new SwitchplaneManager(
                  ManagerConfig.local(data)
                      .withZookeeper(zk.getConnectString())
                      .withManagerId("m" + i)
                      .withSessionTimeout(Duration.ofSeconds(3))
                      .withInsecurePlaintext(true)
                      .withDvsOwnership(true))
              .start());
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    channels.values().forEach(ManagedChannel::shutdownNow);
    managers.forEach(SwitchplaneManager::close);
    agents.forEach(HostAgent::close);
    zk.close();
  }

  private ManagerServiceBlockingStub api(String endpoint) {
    return ManagerServiceGrpc.newBlockingStub(
            channels.computeIfAbsent(
                endpoint, e -> NettyChannelBuilder.forTarget(e).usePlaintext().build()))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private ManagerServiceBlockingStub api(int manager) {
    return api(managers.get(manager).endpoint());
  }

  /** A live manager's index, round robin from i. */
  private int live(int i) {
    for (int k = 0; k < MANAGERS; k++) {
      int m = (i + k) % MANAGERS;
      if (!closed.contains(m)) {
        return m;
      }
    }
    throw new IllegalStateException("no manager live");
  }

  /**
   * Sends call to manager entry; a NOT_DVS_OWNER refusal naming the owner goes there (as the CLI
   * does), one while ownership moves (UNAVAILABLE) is sent again, as is one from a closing manager.
   */
  private <T> T write(int entry, Function<ManagerServiceBlockingStub, T> call) {
    String target = managers.get(live(entry)).endpoint();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return call.apply(api(target));
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        String owner = StatusMapping.metadata(e).get(ErrorReason.OWNER_ENDPOINT);
        boolean notOwner = StatusMapping.reason(e).orElse(null) == ErrorReason.NOT_DVS_OWNER;
        if (notOwner && owner != null) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          target = owner;
        } else if (notOwner || e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          target = managers.get(live(entry++)).endpoint();
          Thread.onSpinWait();
        } else {
          throw e;
        }
      }
    }
  }

  /**
   * Each VM tracker runs on its DVS's owner; {@code vcenter status} and {@code vmtracker show}
   * through any manager still show every vCenter running, each from the manager that runs it.
   */
  @Test
  void anyManagerShowsEveryTrackerAsItsOwnerRunsIt() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> managers.stream().anyMatch(m -> m.isLeader()));
    // vCenter records are cluster-wide writes: the cluster leader takes them.
    String leader =
        managers.stream().filter(m -> m.isLeader()).findFirst().orElseThrow().endpoint();
    // Two DVSes owned by two different managers.
    Map<String, String> ownerOf = new TreeMap<>();
    for (int d = 0; ownerOf.size() < 2 && d < DVSES; d++) {
      String name = "t" + d;
      write(0, api -> api.createDvs(CreateDvsRequest.newBuilder().setName(name).build()));
      await().atMost(Duration.ofSeconds(30)).until(() -> ownerId(name) != null);
      if (!ownerOf.containsValue(ownerId(name))) {
        ownerOf.put(name, ownerId(name));
      }
    }
    assertThat(ownerOf).hasSize(2);

    try (VcSim vcsim = VcSim.start(dir.resolve("vcsim"), VcSim.Size.SMALL)) {
      Path pw = dir.resolve("vc.pw");
      Files.writeString(pw, VcSim.PASSWORD + "\n");
      int n = 0;
      for (String dvs : ownerOf.keySet()) {
        Cli.Run added =
            Cli.run(
                leader,
                "vcenter",
                "add",
                "vc" + n++,
                "--url",
                vcsim.sdkUrl().toString(),
                "--user",
                VcSim.USER,
                "--password-file",
                pw.toString(),
                "--dvs",
                dvs,
                "--insecure-plaintext");
        assertThat(added.exit()).as(added.err()).isZero();
      }
      for (int asked = 0; asked < MANAGERS; asked++) {
        String endpoint = managers.get(asked).endpoint();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  Cli.Run status = Cli.run(endpoint, "vcenter", "status", "--insecure-plaintext");
                  assertThat(status.exit()).as(status.err()).isZero();
                  assertThat(status.out())
                      .contains("vCenter vc0: SYNCED", "vCenter vc1: SYNCED")
                      .doesNotContain("NOT_RUNNING");
                  Cli.Run show =
                      Cli.run(endpoint, "vmtracker", "show", "-o", "json", "--insecure-plaintext");
                  assertThat(show.exit()).as(show.err()).isZero();
                  assertThat(show.out()).contains("\"vcenter\": \"vc0\"", "\"vcenter\": \"vc1\"");
                });
      }
    }
  }

  /** The id of the manager that owns DVS name now, null when none does. */
  private String ownerId(String name) {
    for (var m : managerList(0).getManagersList()) {
      if (m.getDvsList().stream().anyMatch(d -> d.getDvsName().equals(name))) {
        return m.getManagerId();
      }
    }
    return null;
  }

  private static Policy vlan(int id) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(id)))
        .build();
  }

  private static CommitChangeSetRequest setVlan(String dvs, int id) {
    return CommitChangeSetRequest.newBuilder()
        .setDvs(dvs)
        .addOps(
            ChangeOp.newBuilder()
                .setUpdatePortGroup(
                    PortGroupUpdate.newBuilder()
                        .setPortGroup("web")
                        .setSettings(PortGroup.newBuilder().setName("web").setPolicy(vlan(id)))))
        .build();
  }

  private ListManagersResponse managerList(int asked) {
    return api(asked).listManagers(ListManagersRequest.getDefaultInstance());
  }

  @Test
  void dvsesSpreadWritesLandAnywhereAndAClosedOwnerHandsOverWithoutLostOrDoublePushedGenerations()
      throws Exception {
    // The cluster leader registers the hosts (cluster-wide writes stay with it).
    int leader =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  for (int m = 0; m < MANAGERS; m++) {
                    if (api(m)
                        .getManagerInfo(GetManagerInfoRequest.getDefaultInstance())
                        .getLeader()) {
                      return m;
                    }
                  }
                  return -1;
                },
                m -> m >= 0);
    for (int i = 0; i < HOSTS; i++) {
      api(leader)
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName("esx" + i)
                  .setEndpoint(agents.get(i).endpoint())
                  .build());
    }
    // DVSes created at any manager; members and port groups written through whichever manager.
    for (int d = 0; d < DVSES; d++) {
      String name = "sw" + d;
      int entry = d;
      write(entry, a -> a.createDvs(CreateDvsRequest.newBuilder().setName(name).build()));
      write(
          entry + 1,
          a ->
              a.createPortGroup(
                  CreatePortGroupRequest.newBuilder()
                      .setDvs(name)
                      .setPortGroup(PortGroup.newBuilder().setName("web").setPolicy(vlan(100)))
                      .build()));
      for (int h = 0; h < HOSTS; h++) {
        String host = "esx" + h;
        write(
            entry + 2 + h,
            a ->
                a.addDvsMember(
                    AddDvsMemberRequest.newBuilder()
                        .setDvs(name)
                        .setMember(HostMember.newBuilder().setHostId(host))
                        .build()));
        // A port on each host: a host's state holds the port groups of its ports only.
        write(
            entry + h,
            a ->
                a.createPort(
                    CreatePortRequest.newBuilder()
                        .setDvs(name)
                        .setPort(
                            Port.newBuilder()
                                .setKey("p" + host)
                                .setPortGroupId("web")
                                .setHostId(host))
                        .build()));
      }
    }

    // Spread: every DVS owned, counts differ by at most one, every manager answers alike.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ListManagersResponse list = managerList(0);
              assertThat(list.getPerDvs()).isTrue();
              assertEvenlyOwned(list, MANAGERS);
              assertThat(managerList(1).getManagersList()).isEqualTo(list.getManagersList());
              assertThat(managerList(2).getManagersList()).isEqualTo(list.getManagersList());
            });
    ListManagersResponse before = managerList(0);
    System.out.println("DvsOwnershipIT spread before: " + counts(before));
    awaitAllInSync();

    // A stream of change sets, each entering at the next manager; the owner of the most DVSes is
    // closed in the middle.
    Map<String, Long> acked = new HashMap<>();
    Map<String, Integer> ackedVlan = new HashMap<>();
    int vlanSeq = 200;
    for (int w = 0; w < WRITES_BEFORE; w++) {
      String dvs = "sw" + (w % DVSES);
      int v = vlanSeq++;
      CommitChangeSetResponse r = write(w, a -> a.commitChangeSet(setVlan(dvs, v)));
      acked.merge(dvs, r.getGeneration(), Math::max);
      ackedVlan.put(dvs, v);
    }
    ManagerEntry victimEntry =
        before.getManagersList().stream()
            .max(java.util.Comparator.comparingInt(ManagerEntry::getDvsCount))
            .orElseThrow();
    int victim = Integer.parseInt(victimEntry.getManagerId().substring(1));
    Set<String> handedOver = new HashSet<>();
    victimEntry.getDvsList().forEach(d -> handedOver.add(d.getDvsId()));
    Map<String, Long> ownedAgainMs = new ConcurrentHashMap<>();
    long t0 = System.nanoTime();
    Thread watcher =
        new Thread(
            () -> {
              while (ownedAgainMs.size() < handedOver.size()
                  && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
                for (int m = 0; m < MANAGERS; m++) {
                  if (m == victim || managers.get(m).ownership() == null) {
                    continue;
                  }
                  for (String dvs : managers.get(m).ownership().held().keySet()) {
                    if (handedOver.contains(dvs)) {
                      ownedAgainMs.putIfAbsent(
                          dvs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    }
                  }
                }
                Thread.onSpinWait();
              }
            },
            "owner-watch");
    watcher.start();
    Thread closer =
        new Thread(
            () -> {
              closed.add(victim);
              managers.get(victim).close();
            },
            "close-owner");
    closer.start();
    Map<String, Long> firstAckAfterMs = new TreeMap<>();
    for (int w = 0; w < WRITES_AFTER; w++) {
      String dvs = "sw" + (w % DVSES);
      int v = vlanSeq++;
      CommitChangeSetResponse r = write(w, a -> a.commitChangeSet(setVlan(dvs, v)));
      acked.merge(dvs, r.getGeneration(), Math::max);
      ackedVlan.put(dvs, v);
      firstAckAfterMs.putIfAbsent(dvs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
    closer.join(TimeUnit.SECONDS.toMillis(60));
    watcher.join(TimeUnit.SECONDS.toMillis(60));

    // The closed manager's DVSes have new owners, spread over the two left.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ListManagersResponse list = managerList(live(0));
              assertEvenlyOwned(list, MANAGERS - 1);
            });
    assertThat(ownedAgainMs.keySet()).isEqualTo(handedOver);
    awaitAllInSync();

    // Every acknowledged generation is stored and applied on every host, with its content.
    Map<String, String> ids = new TreeMap<>();
    for (int d = 0; d < DVSES; d++) {
      String name = "sw" + d;
      GetDvsResponse stored = api(live(d)).getDvs(GetDvsRequest.newBuilder().setDvs(name).build());
      ids.put(name, stored.getDvs().getId());
      long generation = stored.getDvs().getGeneration();
      assertThat(generation).as(name).isGreaterThanOrEqualTo(acked.get(name));
      for (int h = 0; h < HOSTS; h++) {
        HostSwitchState applied =
            HostAgentServiceGrpc.newBlockingStub(
                    channels.computeIfAbsent(
                        agents.get(h).endpoint(),
                        e -> NettyChannelBuilder.forTarget(e).usePlaintext().build()))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .getState(GetStateRequest.newBuilder().setDvsId(stored.getDvs().getId()).build())
                .getApplied();
        assertThat(applied.getDvs().getGeneration()).as(name + " on esx" + h).isEqualTo(generation);
        assertThat(
                applied.getPortGroupsList().stream()
                    .filter(pg -> pg.getName().equals("web"))
                    .findFirst()
                    .orElseThrow()
                    .getPolicy()
                    .getVlan()
                    .getValue()
                    .getAccessId())
            .as(name + " on esx" + h)
            .isEqualTo(ackedVlan.get(name));
        assertThat(
                agents
                    .get(h)
                    .pipeline()
                    .backend()
                    .ports(stored.getDvs().getId())
                    .get("pesx" + h)
                    .getPolicy()
                    .getVlan()
                    .getAccessId())
            .as(name + " on esx" + h + "'s switch")
            .isEqualTo(ackedVlan.get(name));
      }
    }

    // No host applied a generation from two owners; owner epochs only grow with generations.
    int rows = 0;
    int fromTheClosed = 0;
    int splitAcrossHosts = 0;
    for (Map.Entry<String, String> dvs : ids.entrySet()) {
      Map<Long, Set<String>> ownersOfGeneration = new HashMap<>();
      for (int h = 0; h < HOSTS; h++) {
        List<HistoryEntry> history =
            HostAgentServiceGrpc.newBlockingStub(channels.get(agents.get(h).endpoint()))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .getHistory(GetHistoryRequest.newBuilder().setDvsId(dvs.getValue()).build())
                .getEntriesList()
                .stream()
                .filter(e -> e.getKind() != HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK)
                .toList();
        Map<Long, String> byGeneration = new TreeMap<>();
        for (HistoryEntry e : history) {
          rows++;
          String owner = e.getOwner().getManagerId() + "@" + e.getOwner().getEpoch();
          assertThat(e.getOwner().getManagerId()).as("pusher of %s", e).isNotEmpty();
          String earlier = byGeneration.put(e.getGeneration(), owner);
          assertThat(earlier == null || earlier.equals(owner))
              .as(
                  "%s generation %d on esx%d applied by %s and %s",
                  dvs.getKey(), e.getGeneration(), h, earlier, owner)
              .isTrue();
          ownersOfGeneration.computeIfAbsent(e.getGeneration(), g -> new HashSet<>()).add(owner);
          if (e.getOwner().getManagerId().equals("m" + victim)) {
            fromTheClosed++;
          }
        }
        long lastEpoch = 0;
        for (HistoryEntry e :
            history.stream()
                .sorted(java.util.Comparator.comparingLong(HistoryEntry::getGeneration))
                .toList()) {
          assertThat(e.getOwner().getEpoch()).isGreaterThanOrEqualTo(lastEpoch);
          lastEpoch = e.getOwner().getEpoch();
        }
      }
      splitAcrossHosts +=
          (int) ownersOfGeneration.values().stream().filter(s -> s.size() > 1).count();
    }
    assertThat(fromTheClosed).isPositive();

    long worst = ownedAgainMs.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    System.out.printf(
        "DvsOwnershipIT: %d managers, %d DVSes x %d hosts; spread %s; closed m%d owning %d DVSes"
            + " mid-stream (%d change sets acknowledged, 0 lost); worst time to a pushing owner"
            + " again %d ms (per DVS %s); first acknowledged write after the close per DVS %s ms;"
            + " %d history rows checked, 0 generations applied by two owners on one host, %d"
            + " generations whose hosts were pushed by the old owner and the new one in turn;"
            + " spread after %s%n",
        MANAGERS,
        DVSES,
        HOSTS,
        counts(before),
        victim,
        handedOver.size(),
        WRITES_BEFORE + WRITES_AFTER,
        worst,
        new TreeMap<>(ownedAgainMs),
        firstAckAfterMs.values(),
        rows,
        splitAcrossHosts,
        counts(managerList(live(0))));
  }

  /**
   * live managers listed, every DVS owned by one of them, their counts differing by one at most.
   */
  private static void assertEvenlyOwned(ListManagersResponse list, int live) {
    assertThat(list.getManagersList()).hasSize(live);
    assertThat(list.getUnownedDvsIdsList()).isEmpty();
    IntSummaryStatistics counts =
        list.getManagersList().stream().mapToInt(ManagerEntry::getDvsCount).summaryStatistics();
    assertThat(counts.getSum()).isEqualTo(DVSES);
    assertThat(counts.getMax() - counts.getMin()).isLessThanOrEqualTo(1);
  }

  private static Map<String, Integer> counts(ListManagersResponse list) {
    Map<String, Integer> counts = new TreeMap<>();
    list.getManagersList().forEach(m -> counts.put(m.getManagerId(), m.getDvsCount()));
    return counts;
  }

  /** Every member host of every DVS in sync, asked of the DVS's owner (any manager redirects). */
  private void awaitAllInSync() {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (int d = 0; d < DVSES; d++) {
                String name = "sw" + d;
                List<HostPushStatus> hosts =
                    write(
                            d,
                            a ->
                                a.getPushStatus(
                                    GetPushStatusRequest.newBuilder().setDvs(name).build()))
                        .getHostsList();
                assertThat(hosts).as(name).hasSize(HOSTS);
                assertThat(hosts)
                    .as(name)
                    .allMatch(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC);
              }
            });
  }
}
