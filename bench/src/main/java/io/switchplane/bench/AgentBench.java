package io.switchplane.bench;

import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.agent.backend.MemoryBackend;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.StageTiming;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.cli.output.Table;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.common.fault.FaultPoints;
import io.switchplane.rpc.metrics.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane bench agent`: what a one-port change costs one host agent, by the size of its host
 * switch. One agent's apply pipeline in this JVM (no gRPC: the figure is the agent's own work, from
 * the decoded request to the answer with the state stored), a real RocksDB on disk with synced
 * writes, the memory backend or an Open vSwitch of its own. Each run changes the VLAN of one port
 * and confirms it (the confirm is not timed); the per-stage times are the ones the answer carries.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = {
      "Measure one host agent's apply of a one-port change, by host size (ports on the host):",
      "an apply pipeline in this JVM with a RocksDB on disk (synced writes) and the memory backend (or",
      "--backend ovs: an Open vSwitch of its own in a network namespace; needs root and openvswitch-switch).",
      "Prints true medians and p99 per stage as the answer carries them (validate, journal, diff, backend,",
      "modules, persist) and of the total (request -> stored), and",
      "the ratio of the largest size to the smallest."
    })
final class AgentBench implements Callable<Integer> {
  private static final String DVS_ID = "bench-dvs";
  private static final String HOST = "bench-host";

  @Option(
      names = "--ports",
      split = ",",
      description = "Host sizes (ports per host) to measure, default ${DEFAULT-VALUE}.")
  List<Integer> sizes = new ArrayList<>(List.of(32, 4096));

  @Option(
      names = "--runs",
      description = "Timed one-port changes per size, default ${DEFAULT-VALUE}.")
  int runs = 300;

  @Option(
      names = "--warmup",
      description = "Untimed one-port changes first (JIT, RocksDB), default ${DEFAULT-VALUE}.")
  int warmup = 300;

  @Option(names = "--backend", description = "memory (default), ovs or ovs-openflow.")
  String backend = "memory";

  /**
   * The breakdown of one size: each stage's nanoseconds per timed run, by the answer's name; the
   * wall time of each run, and the CPU time and heap bytes the calling thread spent on it (the
   * apply runs on it; RocksDB's native memory and background threads are not counted). CPU time and
   * allocations move little with the machine's load, unlike the wall times.
   */
  private record Figures(
      int ports, Map<String, long[]> stages, long[] total, long[] cpu, long[] allocated) {}

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

  @Override
  public Integer call() throws IOException {
    if (runs < 1 || warmup < 0 || sizes.isEmpty() || sizes.stream().anyMatch(p -> p < 1)) {
      throw new IllegalArgumentException(
          "--runs must be at least 1, --warmup at least 0 and every --ports at least 1");
    }
    boolean ovs = OvsBackend.isOvs(backend);
    if (!ovs && !backend.equals("memory")) {
      throw new IllegalArgumentException(
          "--backend must be memory, ovs or ovs-openflow, not '" + backend + "'");
    }
    if (ovs && OvsSandbox.missingPrerequisite() != null) {
      throw new IllegalStateException(
          "bench agent --backend ovs needs " + OvsSandbox.missingPrerequisite());
    }
    System.out.printf(
        "bench agent: one-port change on hosts of %s ports, %s backend, %d warm-up + %d timed runs each, "
            + "%d cores, load average %.2f%n",
        sizes,
        backend,
        warmup,
        runs,
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    List<Figures> all = new ArrayList<>();
    for (int ports : sizes) {
      Path dir = Files.createTempDirectory("switchplane-bench-agent");
      try {
        all.add(measure(dir, ports, ovs));
      } finally {
        TempDirs.deleteTree(dir);
      }
    }
    print(all);
    return 0;
  }

  private Figures measure(Path dir, int ports, boolean ovs) {
    OvsSandbox sandbox =
        ovs
            ? OvsSandbox.start(
                dir.resolve("ovs"), "spba" + ProcessHandle.current().pid() % 10_000 + "-" + ports)
            : null;
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    Map<String, long[]> stages = new LinkedHashMap<>();
    try (RocksDatabase db = RocksDatabase.open(dir.resolve("state"));
        SwitchBackend switchBackend =
            ovs
                ? new OvsBackend(sandbox.db(), backend.equals(OvsBackend.OPENFLOW_NAME))
                : new MemoryBackend()) {
      ApplyPipeline pipeline =
          new ApplyPipeline(
              switchBackend,
              new RocksStateStore(db, ""),
              Clock.systemUTC(),
              FaultPoints.none(),
              timers,
              null,
              PropertyModules.none(),
              new Metrics());
      pipeline.recover();
      Port[] current = new Port[ports];
      for (int i = 0; i < ports; i++) {
        current[i] =
            Port.newBuilder()
                .setKey(String.format("port-%05d", i))
                .setDvsId(DVS_ID)
                .setPortGroupId(i % 2 == 0 ? "pg-a" : "pg-b")
                .setHostId(HOST)
                .build();
      }
      long generation = 1;
      applyAndConfirm(pipeline, reparse(state(generation, current)));
      long[] total = new long[runs];
      long[] cpu = new long[runs];
      long[] allocated = new long[runs];
      for (int r = -warmup; r < runs; r++) {
        int k = Math.floorMod(r, ports);
        // A VLAN of its own on one port: one effective port changes, one backend operation.
        current[k] =
            current[k].toBuilder()
                .setPolicy(
                    Policy.newBuilder()
                        .setVlan(
                            VlanSetting.newBuilder()
                                .setValue(
                                    Vlan.newBuilder().setAccessId(100 + Math.floorMod(r, 3000)))))
                .build();
        // Decoded from bytes, as gRPC hands it over: no Port object is shared with the last state.
        HostSwitchState desired = reparse(state(++generation, current));
        long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        ApplyResponse response = pipeline.apply(desired, 0, "");
        long nanos = System.nanoTime() - t0;
        long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu0;
        long bytes = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
        if (response.getSummary().getUpdated() != 1) {
          throw new IllegalStateException(
              "a one-port change did not update one port: " + response.getSummary());
        }
        if (r >= 0) {
          total[r] = nanos;
          cpu[r] = cpuNanos;
          allocated[r] = bytes;
          // The agent's own stage timings, as its answer carries them to the manager.
          for (StageTiming t : response.getStagesList()) {
            stages.computeIfAbsent(t.getStage(), s -> new long[runs])[r] = t.getNanos();
          }
        }
        pipeline.confirm(DVS_ID, generation, response.getNonce());
      }
      pipeline.close();
      return new Figures(ports, stages, total, cpu, allocated);
    } finally {
      timers.shutdownNow();
      if (sandbox != null) {
        sandbox.close();
      }
    }
  }

  private static void applyAndConfirm(ApplyPipeline pipeline, HostSwitchState state) {
    ApplyResponse response = pipeline.apply(state, 0, "");
    pipeline.confirm(DVS_ID, state.getDvs().getGeneration(), response.getNonce());
  }

  private static HostSwitchState reparse(HostSwitchState state) {
    try {
      return HostSwitchState.parseFrom(state.toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HostSwitchState state(long generation, Port[] ports) {
    return HostSwitchState.newBuilder()
        .setHostId(HOST)
        .setMember(true)
        .setDvs(
            Dvs.newBuilder()
                .setId(DVS_ID)
                .setName("bench")
                .setGeneration(generation)
                .addUplinks("uplink1")
                .setMtu(1500)
                .addMembers(HostMember.newBuilder().setHostId(HOST)))
        .addPortGroups(portGroup("pg-a", 10))
        .addPortGroups(portGroup("pg-b", 20))
        .addAllPorts(List.of(ports))
        .build();
  }

  private static PortGroup portGroup(String id, int vlan) {
    return PortGroup.newBuilder()
        .setId(id)
        .setDvsId(DVS_ID)
        .setName(id)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(
                    VlanSetting.newBuilder()
                        .setValue(Vlan.newBuilder().setAccessId(vlan))
                        .setOverrideAllowed(true)))
        .build();
  }

  private void print(List<Figures> all) {
    List<String> header = new ArrayList<>(List.of("STAGE"));
    for (Figures f : all) {
      header.add(f.ports() + " PORTS p50");
      header.add("p99");
    }
    if (all.size() > 1) {
      header.add("p50 " + all.get(all.size() - 1).ports() + " / " + all.get(0).ports() + " PORTS");
    }
    Table t = new Table(header.toArray(new String[0]));
    List<String> names = new ArrayList<>();
    for (Figures f : all) {
      f.stages().keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
    }
    for (String name : names) {
      row(t, name, all, f -> f.stages().getOrDefault(name, new long[runs]));
    }
    row(t, "total (request -> stored)", all, Figures::total);
    row(t, "cpu of the apply thread", all, Figures::cpu);
    t.print(System.out);
    for (Figures f : all) {
      long[] sorted = f.allocated().clone();
      Arrays.sort(sorted);
      System.out.printf(
          "heap allocated per apply, %d ports: median %.1f KiB, p99 %.1f KiB%n",
          f.ports(),
          BenchCommand.median(sorted) / 1024.0,
          BenchCommand.percentile(sorted, 99) / 1024.0);
    }
  }

  private static void row(
      Table t, String name, List<Figures> all, java.util.function.Function<Figures, long[]> of) {
    List<String> cells = new ArrayList<>(List.of(name));
    for (Figures f : all) {
      long[] sorted = of.apply(f).clone();
      Arrays.sort(sorted);
      cells.add(String.format("%.3f ms", BenchCommand.median(sorted) / 1e6));
      cells.add(String.format("%.3f ms", BenchCommand.percentile(sorted, 99) / 1e6));
    }
    if (all.size() > 1) {
      double first = BenchCommand.median(of.apply(all.get(0)));
      double last = BenchCommand.median(of.apply(all.get(all.size() - 1)));
      cells.add(first == 0 ? "-" : String.format("%.2fx", last / first));
    }
    t.row(cells.toArray());
  }
}
