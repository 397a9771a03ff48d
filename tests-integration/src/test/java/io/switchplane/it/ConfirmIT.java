package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitMode;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetHostHistoryRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.WatchEventsRequest;
import io.switchplane.it.net.CuttableProxy;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commit-confirmed pushes over a management path that really breaks: a loopback proxy between the
 * manager and the agent is cut right after the agent answered the Apply, so the Confirm cannot
 * arrive; the agent must roll back by itself within its deadline. Every test runs twice: with the
 * manager's pushes on its push stream (the default; the proxy cuts right after the Apply's answer
 * message) and as unary calls (the proxy cuts after the Apply call's trailers).
 */
@ParameterizedClass(name = "push stream: {0}")
@ValueSource(booleans = {true, false})
class ConfirmIT {
  private static final int CONFIRM_MS = 2_000;

  @Parameter boolean streamed;

  @TempDir Path dir;
  private HostAgent agent;
  private CuttableProxy proxy;
  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private ManagerServiceBlockingStub api;
  private String dvsId;

  @BeforeEach
  void setUp() throws IOException {
    agent =
        new HostAgent(
            AgentConfig.of(0, dir.resolve("agent")).withHost("", "esx1").withInsecurePlaintext());
    agent.start();
    proxy = CuttableProxy.start(agent.port());
    manager = new SwitchplaneManager(ManagerConfig.local(dir.resolve("manager"))).start();
    manager.pushEngine().channels().setStreamed(streamed);
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    api = ManagerServiceGrpc.newBlockingStub(channel);
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("esx1").setEndpoint(proxy.endpoint()).build());
    dvsId = api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    api.addDvsMember(
        AddDvsMemberRequest.newBuilder()
            .setDvs("sw")
            .setMember(HostMember.newBuilder().setHostId("esx1"))
            .build());
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("sw")
            .setPortGroup(PortGroup.newBuilder().setName("mgmt").setPolicy(vlan(100)))
            .build());
    long g =
        api.createPort(
                CreatePortRequest.newBuilder()
                    .setDvs("sw")
                    .setPort(
                        Port.newBuilder().setKey("vmk0").setPortGroupId("mgmt").setHostId("esx1"))
                    .build())
            .getGeneration();
    awaitState(HostSyncState.HOST_SYNC_STATE_IN_SYNC, g);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    manager.close();
    proxy.close();
    agent.close();
  }

  private static Policy vlan(int id) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(id)))
        .build();
  }

  private long changeVlan(int id, CommitMode mode) {
    return api.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .setMode(mode)
                .setConfirmTimeoutMs(CONFIRM_MS)
                .addOps(
                    ChangeOp.newBuilder()
                        .setUpdatePortGroup(
                            PortGroupUpdate.newBuilder()
                                .setPortGroup("mgmt")
                                .setSettings(
                                    PortGroup.newBuilder().setName("mgmt").setPolicy(vlan(id)))))
                .build())
        .getGeneration();
  }

  private HostPushStatus status() {
    return api.getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build()).getHosts(0);
  }

  private void awaitState(HostSyncState state, long applied) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              HostPushStatus s = status();
              return s.getState() == state && s.getAppliedGeneration() == applied;
            });
  }

  private int backendVlan() {
    EffectivePort port = agent.pipeline().backend().ports(dvsId).get("vmk0");
    return port.getPolicy().getVlan().getAccessId();
  }

  @Test
  void aChangeWhoseConfirmCannotArriveRollsBackWithinTheDeadlineAndIsNotPushedAgain()
      throws Exception {
    long before =
        api.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
    proxy.cutAfterNextResponse();
    long generation = changeVlan(200, CommitMode.COMMIT_MODE_BEST_EFFORT);

    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    PendingConfirm pending = agent.pipeline().pending(dvsId).orElseThrow();
    assertThat(pending.getGeneration()).isEqualTo(generation);
    assertThat(backendVlan()).isEqualTo(200);

    // No confirm can arrive: the agent reverts by itself within deadline + 1 s.
    long waitMs = pending.getDeadlineUnixMs() + 1_000 - System.currentTimeMillis();
    await()
        .atMost(Duration.ofMillis(Math.max(waitMs, 0)))
        .until(() -> agent.pipeline().pending(dvsId).isEmpty());
    RollbackEvent event = agent.pipeline().lastRollback(dvsId).orElseThrow();
    long lateMs = event.getUnixMs() - pending.getDeadlineUnixMs();
    System.out.printf(
        "confirm-revert: rolled back %d ms after the %d ms deadline%n", lateMs, CONFIRM_MS);
    assertThat(lateMs).isBetween(0L, 1_000L);
    assertThat(event.getCause()).isEqualTo(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    assertThat(backendVlan()).isEqualTo(100);

    // The path comes back: the manager learns what happened and says what to do.
    proxy.restore();
    awaitState(HostSyncState.HOST_SYNC_STATE_ROLLED_BACK, before);
    HostPushStatus s = status();
    assertThat(s.getLastRollback().getGeneration()).isEqualTo(generation);
    assertThat(s.getLastError())
        .contains("rolled generation " + generation + " back", "not pushed again");
    // It does not push the rolled-back generation again by itself.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                status().getState() == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK
                    && backendVlan() == 100);
    List<HistoryEntry> history =
        api.getHostHistory(GetHostHistoryRequest.newBuilder().setDvs("sw").setHost("esx1").build())
            .getEntriesList();
    assertThat(history.get(0).getGeneration()).isEqualTo(generation);
    assertThat(history.get(0).getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK);
    assertThat(history.get(1).getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_CONFIRMED);

    // A good change afterwards is confirmed and stays.
    long fixed = changeVlan(300, CommitMode.COMMIT_MODE_BEST_EFFORT);
    awaitState(HostSyncState.HOST_SYNC_STATE_IN_SYNC, fixed);
    assertThat(backendVlan()).isEqualTo(300);
    assertThat(agent.pipeline().pending(dvsId)).isEmpty();
    assertThat(events())
        .extracting(Event::getKind)
        .contains(
            EventKind.EVENT_KIND_APPLIED,
            EventKind.EVENT_KIND_ROLLED_BACK,
            EventKind.EVENT_KIND_CONFIRMED);
    assertThat(manager.pushEngine().metrics().render())
        .contains(
            "switchplane_rollbacks_total{cause=\"confirm_timeout\"} 1.0\n",
            "switchplane_push_latency_seconds_count");
    assertThat(agent.pipeline().metrics().render())
        .contains(
            "switchplane_agent_rollbacks_total{cause=\"confirm_timeout\"} 1.0\n",
            "switchplane_agent_confirms_total");
  }

  @Test
  void
      aSilentlyCutHostShowsUnreachableOnceItsDeadlinePassedAndItsRollbackIsLearnedRightAfterThePathHeals()
          throws Exception {
    long before =
        api.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
    proxy.cutSilentlyAfterNextResponse(); // a wrong VLAN: nothing refused, every packet dropped
    long generation = changeVlan(200, CommitMode.COMMIT_MODE_BEST_EFFORT);
    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    long deadline = agent.pipeline().pending(dvsId).orElseThrow().getDeadlineUnixMs();

    // Past the deadline the agent has rolled back by itself: the manager must not say it awaits a
    // confirm.
    await()
        .atMost(Duration.ofMillis(Math.max(0, deadline + 1_000 - System.currentTimeMillis())))
        .until(() -> status().getState() == HostSyncState.HOST_SYNC_STATE_UNREACHABLE);
    await().atMost(Duration.ofSeconds(2)).until(() -> agent.pipeline().pending(dvsId).isEmpty());
    assertThat(agent.pipeline().lastRollback(dvsId).orElseThrow().getGeneration())
        .isEqualTo(generation);
    assertThat(status().getLastError()).contains("deadline");
    // The cut lasts: the host stays UNREACHABLE (the rollback cannot be seen from here yet).
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(5))
        .until(() -> status().getState() == HostSyncState.HOST_SYNC_STATE_UNREACHABLE);

    // The path heals: the connections that saw the cut stay dead, so this needs a fresh one, dialed
    // at once.
    proxy.restore();
    long healed = System.nanoTime();
    awaitState(HostSyncState.HOST_SYNC_STATE_ROLLED_BACK, before);
    long learnedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed);
    System.out.printf("silent cut: rollback learned %d ms after the path healed%n", learnedMs);
    // Asked at least every second, each question on a fresh connection when the last one timed out.
    assertThat(learnedMs).isLessThan(4_000);
    assertThat(status().getLastRollback().getGeneration()).isEqualTo(generation);
    assertThat(backendVlan()).isEqualTo(100);
  }

  @Test
  void anAtomicChangeCommitsWhenEveryHostAppliesAndAbortsWhenOneCannot() throws Exception {
    long committed = changeVlan(200, CommitMode.COMMIT_MODE_ATOMIC);
    awaitState(HostSyncState.HOST_SYNC_STATE_IN_SYNC, committed);
    assertThat(backendVlan()).isEqualTo(200);

    // The only host becomes unreachable: the atomic change aborts, ZooKeeper and the host stay at
    // vlan 200.
    agent.close(); // nothing listens behind the proxy any more
    CommitChangeSetRequest request =
        CommitChangeSetRequest.newBuilder()
            .setDvs("sw")
            .setMode(CommitMode.COMMIT_MODE_ATOMIC)
            .setConfirmTimeoutMs(CONFIRM_MS)
            .addOps(
                ChangeOp.newBuilder()
                    .setUpdatePortGroup(
                        PortGroupUpdate.newBuilder()
                            .setPortGroup("mgmt")
                            .setSettings(
                                PortGroup.newBuilder().setName("mgmt").setPolicy(vlan(400)))))
            .build();
    var response = api.commitChangeSet(request);
    assertThat(response.getOutcome()).isEqualTo(CommitOutcome.COMMIT_OUTCOME_ABORTED);
    assertThat(response.getRestoredGeneration()).isEqualTo(response.getGeneration() + 1);
    assertThat(response.getDetail()).contains("unreachable");
    var stored = api.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build());
    assertThat(stored.getDvs().getGeneration()).isEqualTo(response.getRestoredGeneration());
    assertThat(
            api.listPortGroups(ListPortGroupsRequest.newBuilder().setDvs("sw").build())
                .getPortGroupsList())
        .singleElement()
        .satisfies(
            pg -> assertThat(pg.getPolicy().getVlan().getValue().getAccessId()).isEqualTo(200));
  }

  @Test
  void anOperatorTakesOneHostBackToAnEarlierGenerationThroughTheConfirmPath() {
    long first =
        api.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
    long second = changeVlan(200, CommitMode.COMMIT_MODE_BEST_EFFORT);
    awaitState(HostSyncState.HOST_SYNC_STATE_IN_SYNC, second);

    var r =
        api.rollbackHost(
            RollbackHostRequest.newBuilder()
                .setDvs("sw")
                .setHost("esx1")
                .setToGeneration(first)
                .setConfirmTimeoutMs(CONFIRM_MS)
                .build());

    assertThat(r.getAppliedGeneration()).isEqualTo(first);
    assertThat(r.getSummary().getUpdated()).isEqualTo(1);
    assertThat(backendVlan()).isEqualTo(100);
    assertThat(agent.pipeline().pending(dvsId)).isEmpty(); // confirmed: it stays past the deadline
    HostPushStatus s = status();
    assertThat(s.getState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_ROLLED_BACK);
    assertThat(s.getLastError()).contains("held at generation " + first);
    assertThat(s.getLastRollback().getCause()).isEqualTo(RollbackCause.ROLLBACK_CAUSE_OPERATOR);
    // A generation the host does not keep, or a bad request: a precise error, nothing changes.
    assertThat(
            assertCode(
                () ->
                    api.rollbackHost(
                        RollbackHostRequest.newBuilder()
                            .setDvs("sw")
                            .setHost("esx1")
                            .setToGeneration(999)
                            .build())))
        .isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    assertThat(
            assertCode(
                () ->
                    api.rollbackHost(
                        RollbackHostRequest.newBuilder().setDvs("sw").setHost("esx1").build())))
        .isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
    assertThat(backendVlan()).isEqualTo(100);

    // The next change set moves it forward again.
    long third = changeVlan(300, CommitMode.COMMIT_MODE_BEST_EFFORT);
    awaitState(HostSyncState.HOST_SYNC_STATE_IN_SYNC, third);
    assertThat(backendVlan()).isEqualTo(300);
  }

  private static io.grpc.Status.Code assertCode(Runnable call) {
    try {
      call.run();
    } catch (io.grpc.StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return io.grpc.Status.Code.OK;
  }

  private List<Event> events() {
    List<Event> out = new ArrayList<>();
    Iterator<Event> it =
        ManagerServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .watchEvents(WatchEventsRequest.newBuilder().setDvs("sw").build());
    try {
      while (it.hasNext()) {
        out.add(it.next());
      }
    } catch (io.grpc.StatusRuntimeException e) {
      // The deadline ends the stream once the kept events were read.
    }
    return out;
  }
}
