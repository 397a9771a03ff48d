package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.backend.FileBackend;
import io.switchplane.agent.fault.FaultPoints;
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
import io.switchplane.cli.Main;
import io.switchplane.common.diff.EffectiveStateResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of the agent: a real agent process with the persistent file backend is killed
 * with SIGKILL at each fault point of an apply (after the journal, after k of n backend
 * operations, before persisting, after persisting), restarted, and its switch must then hold
 * exactly the old state or the new one, never a mix, over many randomized runs.
 */
class CrashIT {
  private static final String DVS_ID = "dvs-crash";
  private static final String HOST = "host-crash";
  private static final Pattern SERVING = Pattern.compile("serving on (127\\.0\\.0\\.1:\\d+)");
  private static final int RUNS_PER_POINT = 3;

  @TempDir Path dir;

  /** A running agent process and its log. */
  private record Agent(Process process, Path log, String endpoint) {}

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

      Agent first = start(data, "");
      withStubDo(first, stub -> {
        ApplyResponse a = stub.apply(ApplyRequest.newBuilder().setDesired(oldState).setConfirmTimeoutMs(60_000).build());
        stub.confirm(ConfirmRequest.newBuilder().setDvsId(DVS_ID).setGeneration(1).setNonce(a.getNonce()).build());
      });
      kill(first);

      Agent faulty = start(data, point);
      withStubDo(faulty, stub -> {
        // The apply never answers: the agent parks at the fault point. Sent without waiting for it.
        HostAgentServiceGrpc.newStub(stubChannel(stub)).apply(ApplyRequest.newBuilder().setDesired(newState)
            .setConfirmTimeoutMs(60_000).build(), new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(ApplyResponse value) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
        String marker = FaultPoints.MARKER + point.replaceAll(":.*", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> log(faulty).contains(marker));
      });
      kill(faulty);
      if (point.startsWith("after-op")) {
        // The test has teeth: the killed apply really left the switch half-changed; recovery must repair it.
        Map<String, EffectivePort> raw = new FileBackend(data.resolve("switch")).ports(DVS_ID);
        assertThat(raw).as("run %d: a half-applied switch", runs + 1).isNotEqualTo(oldPorts).isNotEqualTo(newPorts);
      }

      Agent after = start(data, "");
      GetStateResponse state = withStub(after, stub -> stub.getState(GetStateRequest.newBuilder().setDvsId(DVS_ID)
          .build()));
      kill(after);

      Map<String, EffectivePort> backend = byKey(state.getBackendPortsList());
      boolean isOld = backend.equals(oldPorts);
      boolean isNew = backend.equals(newPorts);
      runs++;
      if (!isOld && !isNew) {
        mixed++;
      }
      assertThat(isOld || isNew).as("run %d (%s): the switch holds neither state", runs, point).isTrue();
      // Which one is fixed by where the crash came: only a persisted apply survives.
      boolean persisted = point.equals("after-persist");
      assertThat(isNew).as("run %d (%s)", runs, point).isEqualTo(persisted);
      assertThat(state.getApplied().getDvs().getGeneration()).isEqualTo(persisted ? 2 : 1);
      assertThat(byKey(state.getEffectivePortsList())).isEqualTo(backend);
      assertThat(state.hasPending()).isEqualTo(persisted);
    }
    System.out.printf("crash-safety: %d SIGKILL runs at %s, mixed states found: %d%n", runs, points, mixed);
    assertThat(mixed).isZero();
  }

  private static Map<String, EffectivePort> byKey(List<EffectivePort> ports) {
    Map<String, EffectivePort> out = new TreeMap<>();
    ports.forEach(p -> out.put(p.getKey(), p));
    return out;
  }

  /** 10-30 ports over two port groups with random VLANs; ports p0.. so that old and new overlap. */
  private static HostSwitchState randomState(Random random, long generation) {
    Dvs dvs = Dvs.newBuilder().setId(DVS_ID).setName("crash").setGeneration(generation).addUplinks("uplink1")
        .setMtu(1500).addMembers(HostMember.newBuilder().setHostId(HOST)).build();
    HostSwitchState.Builder b = HostSwitchState.newBuilder().setHostId(HOST).setDvs(dvs).setMember(true);
    for (String pg : List.of("pg-a", "pg-b")) {
      b.addPortGroups(PortGroup.newBuilder().setId(pg).setDvsId(DVS_ID).setName(pg).setPolicy(Policy.newBuilder()
          .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(1 + random.nextInt(4000))))));
    }
    int first = random.nextInt(10);
    int count = 10 + random.nextInt(20);
    for (int i = first; i < first + count; i++) {
      b.addPorts(Port.newBuilder().setKey("p" + i).setDvsId(DVS_ID).setHostId(HOST)
          .setPortGroupId(random.nextBoolean() ? "pg-a" : "pg-b"));
    }
    return b.build();
  }

  private Agent start(Path data, String faultPoint) throws IOException {
    Files.createDirectories(data);
    Path log = data.resolve("agent-" + System.nanoTime() + ".log");
    Path tmp = Files.createDirectories(data.resolve("tmp"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + tmp, "-Xmx256m"));
    if (!faultPoint.isEmpty()) {
      cmd.add("-D" + FaultPoints.PROPERTY + "=" + faultPoint);
    }
    cmd.addAll(List.of(Main.class.getName(), "agent", "--listen", "127.0.0.1:0", "--data-dir", data.toString(),
        "--backend", "file", "--name", HOST));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String[] endpoint = new String[1];
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      if (!p.isAlive()) {
        throw new IllegalStateException("agent exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      Matcher m = SERVING.matcher(Files.readString(log));
      if (m.find()) {
        endpoint[0] = m.group(1);
        return true;
      }
      return false;
    });
    return new Agent(p, log, endpoint[0]);
  }

  private static String log(Agent a) {
    try {
      return Files.readString(a.log(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL (destroyForcibly is SIGKILL on Linux): no shutdown hook, no flush, like a power cut of the process. */
  private static void kill(Agent a) throws InterruptedException {
    a.process().destroyForcibly();
    assertThat(a.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  private interface Call<T> {
    T run(HostAgentServiceBlockingStub stub) throws Exception;
  }

  private interface VoidCall {
    void run(HostAgentServiceBlockingStub stub) throws Exception;
  }

  private final Map<HostAgentServiceBlockingStub, ManagedChannel> channels = new java.util.HashMap<>();

  private ManagedChannel stubChannel(HostAgentServiceBlockingStub stub) {
    return channels.get(stub);
  }

  private <T> T withStub(Agent a, Call<T> call) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forTarget(a.endpoint()).usePlaintext().build();
    HostAgentServiceBlockingStub stub = HostAgentServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    channels.put(stub, ch);
    try {
      return call.run(stub);
    } finally {
      channels.remove(stub);
      ch.shutdownNow();
    }
  }

  private void withStubDo(Agent a, VoidCall call) throws Exception {
    withStub(a, stub -> {
      call.run(stub);
      return null;
    });
  }
}
