package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.backend.FileBackend;
import io.switchplane.agent.fault.AgentFaults;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.fault.FaultPoints;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of the agent: a real agent process with the persistent file backend is killed with
 * SIGKILL at each fault point of an apply (after the journal, after k of n backend operations,
 * before persisting, after persisting), restarted, and its switch must then hold exactly the old
 * state or the new one, never a mix, over many randomized runs.
 */
class CrashIT {
  private static final String DVS_ID = "dvs-crash";
  private static final String HOST = "host-crash";
  private static final int RUNS_PER_POINT = 3;

  @TempDir Path dir;

  @Test
  void sigkillAtEveryFaultPointLeavesTheOldStateOrTheNewOneNeverAMix() throws Exception {
    Random random = new Random(20261202);
    int runs = 0;
    int mixed = 0;
    List<String> points = new ArrayList<>();
    for (int r = 0; r < RUNS_PER_POINT; r++) {
      points.add("after-journal");
      points.add("after-op:" + (1 + random.nextInt(8)));
      points.add("before-persist");
      points.add("after-persist");
    }
    for (String point : points) {
      Path data = dir.resolve("run-" + runs);
      HostSwitchState oldState = randomState(random, 1);
      HostSwitchState newState = randomState(random, 2);
      Map<String, EffectivePort> oldPorts = EffectiveStateResolver.resolveAll(oldState);
      Map<String, EffectivePort> newPorts = EffectiveStateResolver.resolveAll(newState);

      ChildProcess first = start(data, "");
      withStubDo(
          first,
          stub -> {
            ApplyResponse a =
                stub.apply(
                    ApplyRequest.newBuilder()
                        .setDesired(oldState)
                        .setConfirmTimeoutMs(60_000)
                        .build());
            stub.confirm(
                ConfirmRequest.newBuilder()
                    .setDvsId(DVS_ID)
                    .setGeneration(1)
                    .setNonce(a.getNonce())
                    .build());
          });
      first.kill();

      ChildProcess faulty = start(data, point);
      withStubDo(
          faulty,
          stub -> {
            // The apply never answers: the agent parks at the fault point. Sent without waiting for
            // it.
            HostAgentServiceGrpc.newStub(stubChannel(stub))
                .apply(
                    ApplyRequest.newBuilder()
                        .setDesired(newState)
                        .setConfirmTimeoutMs(60_000)
                        .build(),
                    new io.grpc.stub.StreamObserver<>() {
                      @Override
                      public void onNext(ApplyResponse value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    });
            String marker = FaultPoints.MARKER + point.replaceAll(":.*", "");
            faulty.awaitOutput(marker, Duration.ofSeconds(30));
          });
      faulty.kill();
      if (point.startsWith("after-op")) {
        // The test has teeth: the killed apply really left the switch half-changed; recovery must
        // repair it.
        Map<String, EffectivePort> raw = new FileBackend(data.resolve("switch")).ports(DVS_ID);
        assertThat(raw)
            .as("run %d: a half-applied switch", runs + 1)
            .isNotEqualTo(oldPorts)
            .isNotEqualTo(newPorts);
      }

      ChildProcess after = start(data, "");
      GetStateResponse state =
          withStub(
              after, stub -> stub.getState(GetStateRequest.newBuilder().setDvsId(DVS_ID).build()));
      after.kill();

      Map<String, EffectivePort> backend = byKey(state.getBackendPortsList());
      boolean isOld = backend.equals(oldPorts);
      boolean isNew = backend.equals(newPorts);
      runs++;
      if (!isOld && !isNew) {
        mixed++;
      }
      assertThat(isOld || isNew)
          .as("run %d (%s): the switch holds neither state", runs, point)
          .isTrue();
      // Which one is fixed by where the crash came: only a persisted apply survives.
      boolean persisted = point.equals("after-persist");
      assertThat(isNew).as("run %d (%s)", runs, point).isEqualTo(persisted);
      assertThat(state.getApplied().getDvs().getGeneration()).isEqualTo(persisted ? 2 : 1);
      assertThat(byKey(state.getEffectivePortsList())).isEqualTo(backend);
      assertThat(state.hasPending()).isEqualTo(persisted);
    }
    System.out.printf(
        "crash-safety: %d SIGKILL runs at %s, mixed states found: %d%n", runs, points, mixed);
    assertThat(mixed).isZero();
  }

  private static Map<String, EffectivePort> byKey(List<EffectivePort> ports) {
    Map<String, EffectivePort> out = new TreeMap<>();
    ports.forEach(p -> out.put(p.getKey(), p));
    return out;
  }

  /** 10-30 ports over two port groups with random VLANs; ports p0.. so that old and new overlap. */
  private static HostSwitchState randomState(Random random, long generation) {
    Dvs dvs =
        Dvs.newBuilder()
            .setId(DVS_ID)
            .setName("crash")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .setMtu(1500)
            .addMembers(HostMember.newBuilder().setHostId(HOST))
            .build();
    HostSwitchState.Builder b =
        HostSwitchState.newBuilder().setHostId(HOST).setDvs(dvs).setMember(true);
    for (String pg : List.of("pg-a", "pg-b")) {
      b.addPortGroups(
          PortGroup.newBuilder()
              .setId(pg)
              .setDvsId(DVS_ID)
              .setName(pg)
              .setPolicy(
                  Policy.newBuilder()
                      .setVlan(
                          VlanSetting.newBuilder()
                              .setValue(Vlan.newBuilder().setAccessId(1 + random.nextInt(4000))))));
    }
    int first = random.nextInt(10);
    int count = 10 + random.nextInt(20);
    for (int i = first; i < first + count; i++) {
      b.addPorts(
          Port.newBuilder()
              .setKey("p" + i)
              .setDvsId(DVS_ID)
              .setHostId(HOST)
              .setPortGroupId(random.nextBoolean() ? "pg-a" : "pg-b"));
    }
    return b.build();
  }

  private static ChildProcess start(Path data, String faultPoint) throws IOException {
    return ChildProcess.start(
        data,
        faultPoint.isEmpty() ? List.of() : List.of(AgentFaults.PROPERTY + "=" + faultPoint),
        "agent",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.toString(),
        "--backend",
        "file",
        "--name",
        HOST,
        "--insecure-plaintext");
  }

  private interface Call<T> {
    T run(HostAgentServiceBlockingStub stub) throws Exception;
  }

  private interface VoidCall {
    void run(HostAgentServiceBlockingStub stub) throws Exception;
  }

  private final Map<HostAgentServiceBlockingStub, ManagedChannel> channels =
      new java.util.HashMap<>();

  private ManagedChannel stubChannel(HostAgentServiceBlockingStub stub) {
    return channels.get(stub);
  }

  private <T> T withStub(ChildProcess a, Call<T> call) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forTarget(a.endpoint()).usePlaintext().build();
    HostAgentServiceBlockingStub stub =
        HostAgentServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    channels.put(stub, ch);
    try {
      return call.run(stub);
    } finally {
      channels.remove(stub);
      ch.shutdownNow();
    }
  }

  private void withStubDo(ChildProcess a, VoidCall call) throws Exception {
    withStub(
        a,
        stub -> {
          call.run(stub);
          return null;
        });
  }
}
