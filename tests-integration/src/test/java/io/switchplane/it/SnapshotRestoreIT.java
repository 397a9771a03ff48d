package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListSnapshotsRequest;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.cli.run.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's backup and restore workflow after the DVS was deleted, verb by verb through the CLI,
 * against a manager and three agents on real sockets: the restored DVS must reach every host,
 * although each host still holds the deleted DVS's later generations.
 */
class SnapshotRestoreIT {
  private static final Duration SETTLE = Duration.ofSeconds(30);

  @TempDir Path dir;
  private LocalStack stack;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void setUp() {
    stack = LocalStack.start(dir, 0, 3, 0);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    stack.close();
  }

  @Test
  void anOriginalIdentifiersRestoreAfterTheDvsWasDeletedReachesEveryHost() {
    ok("dvs", "create", "d1");
    for (int h = 1; h <= 3; h++) {
      ok("dvs", "add-host", "d1", "host-" + h);
    }
    ok("portgroup", "create", "d1", "web", "--vlan", "100");
    for (int h = 1; h <= 3; h++) {
      ok("port", "create", "d1", "p" + h, "--portgroup", "web", "--host", "host-" + h);
    }
    awaitAllInSync("d1", 3);
    String id =
        stack.stub().getDvs(GetDvsRequest.newBuilder().setDvs("d1").build()).getDvs().getId();

    ok("snapshot", "create", "d1", "--name", "s1");
    Path file = dir.resolve("d1.snap");
    ok("snapshot", "export", "s1", "--dvs", "d1", "--file", file.toString());
    long snapshotGeneration = generation("d1");

    // The switch lives on past the snapshot, then is taken apart and deleted.
    ok("portgroup", "update", "d1", "web", "--vlan", "200");
    ok("portgroup", "update", "d1", "web", "--vlan", "300");
    awaitAllInSync("d1", 3);
    for (int h = 1; h <= 3; h++) {
      ok("port", "delete", "d1", "p" + h);
    }
    ok("portgroup", "delete", "d1", "web");
    for (int h = 1; h <= 3; h++) {
      ok("dvs", "remove-host", "d1", "host-" + h);
    }
    long removedAt = generation("d1");
    for (int h = 0; h < 3; h++) {
      int agent = h;
      await()
          .atMost(SETTLE)
          .untilAsserted(
              () ->
                  assertThat(newestHeld(agent, id))
                      .as("host-%d applied the removal", agent + 1)
                      .isGreaterThan(snapshotGeneration + 2));
    }
    ok("dvs", "delete", "d1");
    ok("snapshot", "delete", "s1", "--dvs", id);

    ok("snapshot", "import", "--file", file.toString());
    ok("snapshot", "restore", "s1", "--dvs", id, "--mode", "original-identifiers");

    long restored = generation("d1");
    assertThat(restored).as("above every generation the hosts hold").isGreaterThan(removedAt);
    awaitAllInSync("d1", 3);
    for (int h = 0; h < 3; h++) {
      List<EffectivePort> backend =
          agent(h)
              .getState(GetStateRequest.newBuilder().setDvsId(id).build())
              .getBackendPortsList();
      assertThat(backend)
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.getKey()).startsWith("p");
                assertThat(p.getPolicy().getVlan().getAccessId())
                    .as("the snapshot's VLAN")
                    .isEqualTo(100);
              });
    }
    Cli.Run status = cli("status", "d1");
    assertThat(status.out()).doesNotContain("refused");

    // The restored switch lives on and its checkpoints never share a name with its earlier life's.
    ok("portgroup", "update", "d1", "web", "--vlan", "110");
    awaitAllInSync("d1", 3);
    await()
        .atMost(SETTLE)
        .untilAsserted(
            () -> assertThat(snapshotNames(id)).contains("checkpoint-" + (restored + 1)));
    assertThat(snapshotNames(id)).doesNotHaveDuplicates();
  }

  private void ok(String... args) {
    Cli.Run run = cli(args);
    assertThat(run.exit()).as(String.join(" ", args) + ": " + run.err()).isZero();
  }

  private Cli.Run cli(String... args) {
    return Cli.run(stack, args);
  }

  private long generation(String dvs) {
    return stack
        .stub()
        .getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build())
        .getDvs()
        .getGeneration();
  }

  private void awaitAllInSync(String dvs, int hosts) {
    long generation = generation(dvs);
    await()
        .atMost(SETTLE)
        .untilAsserted(
            () -> {
              List<HostPushStatus> statuses =
                  stack
                      .stub()
                      .getPushStatus(GetPushStatusRequest.newBuilder().setDvs(dvs).build())
                      .getHostsList();
              assertThat(statuses)
                  .hasSize(hosts)
                  .allSatisfy(
                      s -> {
                        assertThat(s.getState())
                            .as(s.getHostName() + ": " + s.getLastError())
                            .isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC);
                        assertThat(s.getDesiredGeneration()).isEqualTo(generation);
                      });
            });
  }

  private long newestHeld(int agent, String dvsId) {
    return agent(agent)
        .getHistory(GetHistoryRequest.newBuilder().setDvsId(dvsId).build())
        .getEntriesList()
        .stream()
        .mapToLong(HistoryEntry::getGeneration)
        .max()
        .orElse(0);
  }

  private List<String> snapshotNames(String dvsId) {
    return SnapshotServiceGrpc.newBlockingStub(operatorChannel())
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .listSnapshots(
            ListSnapshotsRequest.newBuilder().setDvs(dvsId).setIncludeCheckpoints(true).build())
        .getSnapshotsList()
        .stream()
        .map(SnapshotInfo::getName)
        .toList();
  }

  private HostAgentServiceGrpc.HostAgentServiceBlockingStub agent(int i) {
    return HostAgentServiceGrpc.newBlockingStub(stack.agentChannel(i))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private ManagedChannel operatorChannel() {
    ManagedChannel c =
        NettyChannelBuilder.forTarget(stack.managerEndpoint(), stack.operatorCredentials()).build();
    channels.add(c);
    return c;
  }
}
