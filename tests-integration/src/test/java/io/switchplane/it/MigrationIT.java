package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.backend.MemoryBackend;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.MigrateRequest;
import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationOutcome;
import io.switchplane.api.v1.MigrationServiceGrpc;
import io.switchplane.api.v1.MigrationServiceGrpc.MigrationServiceBlockingStub;
import io.switchplane.api.v1.MigrationStep;
import io.switchplane.api.v1.MigrationStepKind;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.it.net.CuttableProxy;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code MigrationService.Migrate} with a real manager (embedded ZooKeeper), two real agents
 * (RocksDB, loopback gRPC, the in-process switch) and a cuttable path to the destination: a move
 * keeps the port's identity and announces it on the destination; a failure at any backend operation
 * of either host, a lost destination and a missed confirm each leave both hosts exactly as they
 * were.
 */
class MigrationIT {
  private static final String VM = "4210aaaa-0000-0000-0000-000000000001";
  private static final String MAC = "00:50:56:aa:00:01";
  private static final int CONFIRM_MS = 3_000;

  @TempDir Path dir;
  private final HostAgent[] agents = new HostAgent[2];
  private CuttableProxy proxy;
  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private final MigrationFixture fixture = new MigrationFixture(this::api, "sw", "web");
  private String dvsId;
  private final Map<String, String> hostIds = new java.util.HashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    for (int i = 0; i < 2; i++) {
      agents[i] = startAgent(i, 0);
    }
    proxy = CuttableProxy.start(agents[1].port()); // the destination's management path
    manager = new SwitchplaneManager(ManagerConfig.local(dir.resolve("manager"))).start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    hostIds.put(
        "esx1",
        api()
            .registerHost(
                RegisterHostRequest.newBuilder()
                    .setName("esx1")
                    .setEndpoint("127.0.0.1:" + agents[0].port())
                    .build())
            .getHost()
            .getId());
    hostIds.put(
        "esx2",
        api()
            .registerHost(
                RegisterHostRequest.newBuilder()
                    .setName("esx2")
                    .setEndpoint(proxy.endpoint())
                    .build())
            .getHost()
            .getId());
    dvsId = api().createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    for (String h : List.of("esx1", "esx2")) {
      api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("sw")
                  .setMember(HostMember.newBuilder().setHostId(h))
                  .build());
    }
    api()
        .createPortGroup(
            CreatePortGroupRequest.newBuilder()
                .setDvs("sw")
                .setPortGroup(
                    PortGroup.newBuilder().setName("web").setPolicy(MigrationFixture.vlan(100)))
                .build());
    fixture.createVmotionPort("esx1", "192.168.50.11/24");
    fixture.createVmotionPort("esx2", "192.168.50.12/24");
    // The VM's port, and a neighbour on each host that must never be touched.
    fixture.createPort("vm1-eth0", "esx1", VM, MAC);
    fixture.createPort(
        "other-1", "esx1", "4210bbbb-0000-0000-0000-000000000001", "00:50:56:bb:00:01");
    long g =
        fixture.createPort(
            "other-2", "esx2", "4210cccc-0000-0000-0000-000000000001", "00:50:56:cc:00:01");
    fixture.awaitInSync(g, 2);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    manager.close();
    proxy.close();
    for (HostAgent a : agents) {
      if (a != null) {
        a.close();
      }
    }
  }

  @Test
  void aMoveKeepsThePortAndAnnouncesItOnTheDestination() {
    Map<String, EffectivePort> before = backend(0).ports(dvsId);
    List<MigrationStep> seen = new ArrayList<>();
    manager.migrations().addListener((vm, step) -> seen.add(step));

    MigrateResponse r = migrate("esx2");

    assertThat(r.getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_MOVED);
    assertThat(r.getStepsList())
        .extracting(MigrationStep::getKind)
        .containsExactly(
            MigrationStepKind.MIGRATION_STEP_KIND_PRECHECK,
            MigrationStepKind.MIGRATION_STEP_KIND_PREPARE,
            MigrationStepKind.MIGRATION_STEP_KIND_SWITCH_OVER,
            MigrationStepKind.MIGRATION_STEP_KIND_CONFIRM);
    assertThat(r.getStepsList()).allMatch(MigrationStep::getOk);
    assertThat(seen).isEqualTo(r.getStepsList());
    assertThat(r.getSwitchOverMicros()).isPositive();
    // Same key, MAC and policy, forwarding on the destination; gone from the source.
    EffectivePort moved = backend(1).ports(dvsId).get("vm1-eth0");
    assertThat(moved).isEqualTo(before.get("vm1-eth0"));
    assertThat(moved.getPolicy().getBlocked()).isFalse();
    assertThat(backend(0).ports(dvsId)).containsOnlyKeys("other-1", "vmk-esx1");
    // Announced after the confirm (off the confirm's path), then repeated a few times
    // (Announcements.REPEATS_MS).
    await().atMost(Duration.ofSeconds(10)).until(() -> !backend(1).announced().isEmpty());
    assertThat(backend(1).announced()).containsOnly(dvsId + "/vm1-eth0");
    assertThat(backend(0).announced()).isEmpty();
    Port stored = port("vm1-eth0");
    assertThat(stored.getHostId()).isEqualTo(hostIds.get("esx2"));
    assertThat(stored.hasMigration()).isFalse();
    // And back again: the same transaction in the other direction.
    assertThat(migrate("esx1").getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_MOVED);
    assertThat(backend(0).ports(dvsId)).isEqualTo(before);
    assertThat(migrate("esx1").getOutcome())
        .isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_ALREADY_THERE);
  }

  @Test
  void aFailureAtAnyOperationOfEitherHostLeavesBothAsTheyWere() {
    for (int host = 0; host < 2; host++) {
      int aborted = 0;
      for (int k = 1; ; k++) {
        assertThat(k).as("operations tried on host %d", host).isLessThan(20);
        List<Map<String, EffectivePort>> before = List.of(ports(0), ports(1));
        Port stored = port("vm1-eth0");
        List<String> announced = List.copyOf(backend(1).announced());
        backend(host).failOnOperation(k);
        MigrateResponse r = migrate("esx2");
        backend(host).failOnOperation(0);
        if (r.getOutcome() == MigrationOutcome.MIGRATION_OUTCOME_MOVED) {
          break;
        }
        aborted++;
        assertThat(r.getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_ABORTED);
        assertThat(r.getDetail()).contains("injected fault");
        fixture.awaitInSync(currentGeneration(), 2);
        assertThat(List.of(ports(0), ports(1)))
            .as("hosts after a fault at operation %d of host %d", k, host)
            .isEqualTo(before);
        assertThat(port("vm1-eth0")).isEqualTo(stored);
        assertThat(backend(1).announced()).as("announced after an abort").isEqualTo(announced);
      }
      assertThat(aborted).as("aborted migrations with faults on host %d", host).isPositive();
      // Back to the source for the next host's round.
      assertThat(migrate("esx1").getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_MOVED);
      fixture.awaitInSync(currentGeneration(), 2);
    }
  }

  @Test
  void aLostDestinationLeavesTheSourceAsItWasAndTheDestinationCatchesUp() throws Exception {
    Map<String, EffectivePort> source = ports(0);
    Map<String, EffectivePort> destination = ports(1);
    int port = agents[1].port();
    agents[1].close();

    MigrateResponse r = migrate("esx2");

    assertThat(r.getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_ABORTED);
    assertThat(r.getSteps(1).getKind()).isEqualTo(MigrationStepKind.MIGRATION_STEP_KIND_PREPARE);
    assertThat(r.getSteps(1).getOk()).isFalse();
    assertThat(ports(0)).isEqualTo(source);
    assertThat(port("vm1-eth0").getHostId()).isEqualTo(hostIds.get("esx1"));
    assertThat(port("vm1-eth0").hasMigration()).isFalse();
    agents[1] = startAgent(1, port);
    fixture.awaitInSync(currentGeneration(), 2);
    assertThat(ports(1)).isEqualTo(destination);
  }

  @Test
  void aMissedConfirmOfTheSwitchOverPutsBothHostsBack() throws Exception {
    Map<String, EffectivePort> source = ports(0);
    Map<String, EffectivePort> destination = ports(1);
    // The destination's path breaks right after it answered the switch-over's apply: its confirm
    // cannot arrive, so it rolls back by itself.
    manager
        .migrations()
        .addListener(
            (vm, step) -> {
              if (step.getKind() == MigrationStepKind.MIGRATION_STEP_KIND_PREPARE && step.getOk()) {
                // Once the prepare's own confirm is through, the next answer is the switch-over's.
                fixture.awaitInSync(step.getGeneration(), 2);
                proxy.cutAfterNextResponse();
              }
            });

    MigrateResponse r = migrate("esx2");

    assertThat(r.getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_ABORTED);
    assertThat(r.getStepsList())
        .extracting(MigrationStep::getKind, MigrationStep::getOk)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                MigrationStepKind.MIGRATION_STEP_KIND_PRECHECK, true),
            org.assertj.core.groups.Tuple.tuple(
                MigrationStepKind.MIGRATION_STEP_KIND_PREPARE, true),
            org.assertj.core.groups.Tuple.tuple(
                MigrationStepKind.MIGRATION_STEP_KIND_SWITCH_OVER, true),
            org.assertj.core.groups.Tuple.tuple(
                MigrationStepKind.MIGRATION_STEP_KIND_CONFIRM, false),
            org.assertj.core.groups.Tuple.tuple(
                MigrationStepKind.MIGRATION_STEP_KIND_REVERT, true));
    assertThat(ports(0)).isEqualTo(source);
    assertThat(port("vm1-eth0").getHostId()).isEqualTo(hostIds.get("esx1"));
    proxy.restore();
    fixture.awaitInSync(currentGeneration(), 2);
    assertThat(ports(1)).isEqualTo(destination);
  }

  @Test
  void badRequestsChangeNothing() {
    long g = currentGeneration();
    assertCode(() -> migrate("esx9"), Status.Code.NOT_FOUND);
    assertCode(
        () ->
            migration()
                .migrate(
                    MigrateRequest.newBuilder()
                        .setVm("4210ffff-0000-0000-0000-000000000009")
                        .setToHost("esx2")
                        .build()),
        Status.Code.NOT_FOUND);
    assertCode(
        () -> migration().migrate(MigrateRequest.newBuilder().setToHost("esx2").build()),
        Status.Code.INVALID_ARGUMENT);
    assertCode(
        () ->
            migration()
                .migrate(
                    MigrateRequest.newBuilder()
                        .setVm(VM)
                        .setToHost("esx2")
                        .setConfirmTimeoutMs(100)
                        .build()),
        Status.Code.INVALID_ARGUMENT);
    // Operators cannot set a migration by hand.
    assertCode(
        () ->
            api()
                .commitChangeSet(
                    CommitChangeSetRequest.newBuilder()
                        .setDvs("sw")
                        .addOps(
                            ChangeOp.newBuilder()
                                .setUpdatePort(
                                    PortUpdate.newBuilder()
                                        .setKey("vm1-eth0")
                                        .setSettings(
                                            port("vm1-eth0").toBuilder()
                                                .setMigration(
                                                    io.switchplane.api.v1.PortMigration.newBuilder()
                                                        .setStandbyHostId("esx2")))))
                        .build()),
        Status.Code.INVALID_ARGUMENT);
    assertThat(currentGeneration()).isEqualTo(g);
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  private MigrateResponse migrate(String to) {
    return migration()
        .migrate(
            MigrateRequest.newBuilder()
                .setVm(VM)
                .setToHost(to)
                .setConfirmTimeoutMs(CONFIRM_MS)
                .build());
  }

  private ManagerServiceBlockingStub api() {
    return ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private MigrationServiceBlockingStub migration() {
    return MigrationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  private HostAgent startAgent(int i, int port) throws IOException {
    HostAgent a =
        new HostAgent(
            AgentConfig.of(port, dir.resolve("agent-" + (i + 1)))
                .withHost("", "esx" + (i + 1))
                .withInsecurePlaintext());
    a.start();
    return a;
  }

  private MemoryBackend backend(int i) {
    return (MemoryBackend) agents[i].pipeline().backend();
  }

  private Map<String, EffectivePort> ports(int i) {
    return backend(i).ports(dvsId);
  }

  private Port port(String key) {
    return api()
        .listPorts(ListPortsRequest.newBuilder().setDvs("sw").build())
        .getPortsList()
        .stream()
        .filter(p -> p.getKey().equals(key))
        .findFirst()
        .orElseThrow();
  }

  private long currentGeneration() {
    return api()
        .getDvs(io.switchplane.api.v1.GetDvsRequest.newBuilder().setDvs("sw").build())
        .getDvs()
        .getGeneration();
  }
}
