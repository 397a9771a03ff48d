package io.switchplane.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.agent.tls.AgentTlsFiles;
import io.switchplane.agent.tls.EnrollmentClient;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.cli.output.Table;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.pki.Enrollments;
import io.switchplane.manager.reconcile.HostStatusBook;
import io.switchplane.manager.reconcile.PushEngine;
import io.switchplane.manager.reconcile.PushSettings;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane bench`: commit → all hosts applied, with N lightweight agents in this JVM on real
 * loopback gRPC, a real embedded ZooKeeper and synced RocksDB writes on every agent.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = {VmTrackerBench.class, IpamBench.class, CliLatencyBench.class, AgentBench.class},
    description = {
      "Measure push speed: time from commit to every host applied.",
      "Runs an embedded ZooKeeper, a manager and N lightweight agents in this JVM (real loopback gRPC, ",
      "synced RocksDB writes); prints medians for a full push, a one-port-group change, and the same ",
      "port-group change pushed one host at a time (the parallel speed-up)."
    })
public final class BenchCommand implements Callable<Integer> {
  private static final int PORTS_PER_CHANGE_SET = 2000;

  @Option(names = "--hosts", description = "Hosts (agents), default ${DEFAULT-VALUE}.")
  int hosts = 200;

  @Option(names = "--ports-per-host", description = "Ports per host, default ${DEFAULT-VALUE}.")
  int portsPerHost = 30;

  @Option(
      names = "--runs",
      description = "Timed runs per figure, default ${DEFAULT-VALUE}; the median is reported.")
  int runs = 5;

  @Option(
      names = "--warmup",
      paramLabel = "N|auto",
      description =
          "Untimed rounds (a full push and a port-group change each; with --backend ovs the three"
              + " figures) before the timed runs: N, or auto (default) until the JIT compilers of"
              + " the manager's and the agents' JVMs have settled (at most 5 % of the CPU of 3"
              + " rounds in a row, 3 minutes at most). Until then a run times the JIT as much as"
              + " the push.")
  String warmup = "auto";

  @Option(
      names = "--max-in-flight",
      description = "Pushes in flight at once, default ${DEFAULT-VALUE}.")
  int maxInFlight = 512;

  @Option(
      names = "--backend",
      description =
          "memory (default), ovs or ovs-openflow: each host drives an Open vSwitch of its own in a "
              + "network namespace of its own (needs root and openvswitch-switch; try --hosts 40);"
              + " ovs-openflow keeps the VLANs in OpenFlow flows.")
  String backend = "memory";

  @Option(
      names = "--checkpoints",
      description =
          "Checkpoints kept per DVS, one stored per committed generation as the"
              + " manager does by default (default ${DEFAULT-VALUE}; 0: none, to see what they cost).")
  int checkpoints = SnapshotPolicy.DEFAULT.keep();

  @Option(
      names = "--push",
      description =
          "How the manager pushes: stream (default; one long-lived stream per agent) or unary"
              + " (an Apply call and a Confirm call per host, as before the stream), to compare.")
  String pushPath = "stream";

  @Option(names = "--skip-sequential", description = "Do not time the one-host-at-a-time push.")
  boolean skipSequential;

  @Option(
      names = "--transport",
      description =
          "How the manager reaches the agents: plaintext (default), tls (each agent"
              + " enrolls with the manager's CA and serves mutual TLS; enrollment is timed) or both (plaintext, then TLS with a"
              + " fleet of its own, side by side).")
  Transport transport = Transport.plaintext;

  @Option(
      names = "--agents-process",
      description =
          "Run the agents in a second JVM (same class path and -Xmx), so that this JVM holds the"
              + " manager alone and its CPU per host push is the manager's cost. Plaintext only.")
  boolean agentsProcess;

  @Option(
      names = "--live-heap",
      description =
          "Print this JVM's live heap (in use after a full GC) once every host is in sync, and again"
              + " after the timed runs; with --agents-process that is the manager's (and its embedded"
              + " ZooKeeper's) at --hosts x --ports-per-host ports.")
  boolean liveHeap;

  @Option(
      names = "--compare-ovn",
      description =
          "With --backend ovs: the OVN peer's scenarios with as many chassis as --hosts and ours,"
              + " interleaved in blocks in one window, then a side-by-side table (--runs samples"
              + " each; 20 is what the README reports). Needs root and the peer (--ovn-peer).")
  boolean compareOvn;

  @Option(
      names = "--ovn-peer",
      paramLabel = "DIR",
      description =
          "The OVN peer's directory (setup.sh, bench.sh, teardown.sh); default"
              + " SWITCHPLANE_OVN_PEER, else ../shared/peers/ovn beside the repository.")
  Path ovnPeer;

  @Option(
      names = "--ovn-block",
      description = "Samples per interleaved block with --compare-ovn, default ${DEFAULT-VALUE}.")
  int ovnBlock = 5;

  @Override
  public Integer call() throws IOException {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1 (got " + runs + ")");
    }
    Warmup.of(warmup, new JitCompilers(List.of())); // refuses a bad --warmup before anything starts
    boolean ovs = OvsBackend.isOvs(backend);
    if (!ovs && !backend.equals("memory")) {
      throw new IllegalArgumentException(
          "--backend must be memory, ovs or ovs-openflow, not '" + backend + "'");
    }
    if (ovs && OvsSandbox.missingPrerequisite() != null) {
      throw new IllegalStateException(
          "bench --backend ovs needs " + OvsSandbox.missingPrerequisite());
    }
    List<Transport> passes = transport.passes();
    if (agentsProcess && transport != Transport.plaintext) {
      throw new IllegalArgumentException(
          "--agents-process serves plaintext agents only (TLS agents enroll in this JVM)");
    }
    if (compareOvn && (!ovs || passes.size() != 1)) {
      throw new IllegalArgumentException(
          "--compare-ovn needs --backend ovs (or ovs-openflow) and one transport");
    }
    Path dir = Files.createTempDirectory("switchplane-bench");
    OvnPeer peer =
        compareOvn
            ? new OvnPeer(ovnPeer != null ? ovnPeer : OvnPeer.defaultDir(), dir.resolve("ovn"))
            : null;
    if (peer != null && peer.missingPrerequisite() != null) {
      TempDirs.deleteTree(dir);
      throw new IllegalStateException("bench --compare-ovn needs " + peer.missingPrerequisite());
    }
    System.out.printf(
        "bench: %d hosts x %d ports = %d ports, %d runs per figure, %d cores, manager to agents: %s,"
            + " push: %s%n",
        hosts,
        portsPerHost,
        hosts * portsPerHost,
        runs,
        Runtime.getRuntime().availableProcessors(),
        passes,
        pushPath);
    System.out.printf(
        "load average %s; agents %s%n",
        LoadAverage.now(), agentsProcess ? "in another process" : "in this JVM");
    long t0 = System.nanoTime();
    // No drift sweeps while timing: they would read thousands of switches in the middle of a run.
    try (SwitchplaneManager manager =
        new SwitchplaneManager(
                ManagerConfig.local(dir.resolve("manager"))
                    .withPush(PushSettings.defaults().withDriftCheck(Duration.ZERO, false))
                    // Nor checkpoint copies to the agents: here all agents share this JVM's 2
                    // cores, on real
                    // hosts each agent takes its copy with its own CPU.
                    .withSnapshots(
                        new SnapshotPolicy(
                            checkpoints, SnapshotPolicy.DEFAULT.maxAge(), Duration.ZERO)))
            .start()) {
      if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
        throw new IllegalStateException("manager did not become leader");
      }
      manager.pushEngine().setMaxInFlight(maxInFlight);
      if (!pushPath.equals("stream") && !pushPath.equals("unary")) {
        throw new IllegalArgumentException(
            "--push must be stream or unary, not '" + pushPath + "'");
      }
      manager.pushEngine().channels().setStreamed(pushPath.equals("stream"));
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
      List<Pass> started = new ArrayList<>();
      try {
        ManagerServiceBlockingStub api = ManagerServiceGrpc.newBlockingStub(channel);
        PushEngine push = manager.pushEngine();
        // Every pass's fleet is up at once and the runs alternate between them, so that no pass has
        // a
        // warmer JIT or a quieter machine than the other.
        for (Transport t : passes) {
          Enrolling enrolling = t == Transport.tls ? new Enrolling(manager, api) : null;
          String prefix = "bench-" + t;
          AgentFleet fleet =
              agentsProcess
                  ? AgentsProcess.start(
                      dir.resolve(t.name()), hosts, backend, prefix, Duration.ofMinutes(15))
                  : BenchFleet.start(
                      dir.resolve(t.name()),
                      hosts,
                      new Progress(System.err, "starting agents (" + t + ")", hosts),
                      backend,
                      prefix,
                      enrolling);
          Pass pass;
          try {
            pass =
                new Pass(
                    t,
                    fleet,
                    enrolling == null ? registerHosts(api, fleet, prefix) : enrolling.hostIds);
          } catch (RuntimeException e) {
            fleet.close();
            throw e;
          }
          started.add(pass);
          populate(api, push, pass, prefix + "-dvs");
          System.out.printf(
              "%s: setup done after %.1f s (%d hosts in sync at generation %d)%n",
              t, (System.nanoTime() - t0) / 1e9, hosts, pass.generation);
          if (enrolling != null) {
            enrolling.report();
          }
        }
        printLiveHeap("after setup", passes.size());
        if (ovs) {
          for (Pass pass : started) {
            if (peer != null) {
              Warmup warm = warmup(List.of(pass));
              new OvnComparison(peer, hosts, runs, ovnBlock)
                  .run(
                      (b, n) -> measureOvs(api, push, pass, b == 0 ? warm : Warmup.none(), n),
                      System.out);
              System.out.println(warm.summary());
              System.out.println(warm.timedRunsLine());
              printOvsBreakdown(pass);
            } else {
              Warmup warm = warmup(List.of(pass));
              OvsFigures figures = measureOvs(api, push, pass, warm, runs);
              reportOvs(pass, figures);
              System.out.println(warm.summary());
              System.out.println(warm.timedRunsLine());
            }
          }
        } else {
          Map<Pass, Figures> figures = measure(api, push, started);
          figures.forEach(this::report);
          if (started.size() == 2) {
            compare(figures.get(started.get(0)), figures.get(started.get(1)));
          }
        }
        printLiveHeap("after the timed runs", passes.size());
      } finally {
        channel.shutdownNow();
        started.forEach(pass -> pass.fleet.close());
      }
    } finally {
      TempDirs.deleteTree(dir);
    }
    return 0;
  }

  /** The warm-up of --warmup, watching the JIT of this JVM and of the passes' agents processes. */
  private Warmup warmup(List<Pass> passes) {
    List<Long> pids = new ArrayList<>();
    pids.add(ProcessHandle.current().pid());
    passes.forEach(p -> p.fleet.process().ifPresent(h -> pids.add(h.pid())));
    return Warmup.of(warmup, new JitCompilers(pids));
  }

  /** With --live-heap: this JVM's live heap now, when the fleets of passes are in sync. */
  private void printLiveHeap(String when, int passes) {
    if (liveHeap) {
      LiveHeap.print(System.out, when, (long) hosts * portsPerHost * passes, agentsProcess);
    }
  }

  /** How the manager reaches the bench's agents. */
  enum Transport {
    plaintext,
    tls,
    both;

    List<Transport> passes() {
      return this == both ? List.of(plaintext, tls) : List.of(this);
    }
  }

  /**
   * One fleet of agents and its DVS, reached one way (plaintext or TLS); the generation last
   * committed.
   */
  private static final class Pass {
    final Transport transport;
    final AgentFleet fleet;
    final List<String> hostIds;
    final PushCpu cpu;
    String dvsId;
    long generation;

    /** Rounds of the --backend ovs figures so far: each round's change differs from the last. */
    int ovsRounds;

    /** The per-stage breakdown of the --backend ovs change on every host (timed runs only). */
    PushBreakdown ovsBreakdown;

    Pass(Transport transport, AgentFleet fleet, List<String> hostIds) {
      this.transport = transport;
      this.fleet = fleet;
      this.hostIds = List.copyOf(hostIds);
      this.cpu = PushCpu.of(hostIds.size(), fleet);
    }
  }

  /**
   * Enrolls each TLS agent as an operator and an agent would: registers the host, takes a one-time
   * token, and runs the agent's enrollment (a new key, a CSR, the manager's agent port over TLS);
   * times the enrollment of each agent.
   */
  private static final class Enrolling implements BenchFleet.Enroller {
    private final SwitchplaneManager manager;
    private final ManagerServiceBlockingStub api;
    private final List<String> hostIds = new ArrayList<>();
    private final List<Long> micros = new ArrayList<>();

    Enrolling(SwitchplaneManager manager, ManagerServiceBlockingStub api) {
      this.manager = manager;
      this.api = api; // the manager made its cluster CA at start
    }

    @Override
    public void enroll(String hostName, String endpoint, Path dataDir) throws IOException {
      hostIds.add(
          api.registerHost(
                  RegisterHostRequest.newBuilder().setName(hostName).setEndpoint(endpoint).build())
              .getHost()
              .getId());
      String token =
          manager.enrollments().createToken(hostName, Enrollments.DEFAULT_TOKEN_TTL).getToken();
      long start = System.nanoTime();
      TlsIdentity identity = EnrollmentClient.enroll(manager.agentEndpoint(), token);
      micros.add((System.nanoTime() - start) / 1000);
      new AgentTlsFiles(dataDir).save(identity, manager.agentEndpoint());
    }

    void report() {
      long[] ms = micros.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf(
          "enrollment of one agent (key pair, CSR, TLS call to the agent port, certificate; %d agents):"
              + " median %.1f ms, p99 %.1f ms, max %.1f ms%n",
          ms.length, median(ms) / 1000.0, percentile(ms, 99) / 1000.0, ms[ms.length - 1] / 1000.0);
    }
  }

  private void compare(Figures plain, Figures tls) {
    System.out.println();
    Table t =
        new Table(
            "FIGURE (" + hosts + " hosts, medians)", "PLAINTEXT", "MUTUAL TLS", "TLS / PLAINTEXT");
    row(t, "full push", median(plain.fullMs()), median(tls.fullMs()));
    row(t, "one port-group change", median(plain.portGroupMs()), median(tls.portGroupMs()));
    t.print(System.out);
  }

  private static void row(Table t, String figure, long plainMs, long tlsMs) {
    t.row(
        figure,
        plainMs + " ms",
        tlsMs + " ms",
        String.format("%.2fx", (double) tlsMs / Math.max(1, plainMs)));
  }

  private List<String> registerHosts(
      ManagerServiceBlockingStub api, AgentFleet fleet, String prefix) {
    Progress reg = new Progress(System.err, "registering hosts", hosts);
    List<String> hostIds = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      hostIds.add(
          api.registerHost(
                  RegisterHostRequest.newBuilder()
                      .setName(BenchFleet.name(prefix, i))
                      .setEndpoint(fleet.endpoint(i))
                      .build())
              .getHost()
              .getId());
      reg.step(i + 1);
    }
    return hostIds;
  }

  private void populate(
      ManagerServiceBlockingStub api, PushEngine push, Pass pass, String dvsName) {
    List<String> hostIds = pass.hostIds;
    pass.dvsId =
        api.createDvs(CreateDvsRequest.newBuilder().setName(dvsName).build()).getDvs().getId();
    List<ChangeOp> ops = new ArrayList<>();
    ops.add(ChangeOp.newBuilder().setCreatePortGroup(portGroup("pg-a", 100)).build());
    ops.add(ChangeOp.newBuilder().setCreatePortGroup(portGroup("pg-b", 200)).build());
    for (String hostId : hostIds) {
      ops.add(
          ChangeOp.newBuilder()
              .setAddMember(
                  HostMember.newBuilder()
                      .setHostId(hostId)
                      .putUplinkNics("uplink1", "vmnic0")
                      .putUplinkNics("uplink2", "vmnic1"))
              .build());
    }
    commit(api, pass, ops);
    Progress portsProgress = new Progress(System.err, "creating ports", hosts * portsPerHost);
    ops.clear();
    int created = 0;
    for (int h = 0; h < hosts; h++) {
      for (int p = 0; p < portsPerHost; p++) {
        ops.add(
            ChangeOp.newBuilder()
                .setCreatePort(
                    Port.newBuilder()
                        .setKey(String.format("h%05d-p%03d", h, p))
                        .setPortGroupId(p % 2 == 0 ? "pg-a" : "pg-b")
                        .setHostId(hostIds.get(h)))
                .build());
        if (ops.size() == PORTS_PER_CHANGE_SET) {
          commit(api, pass, ops);
          created += ops.size();
          ops.clear();
          portsProgress.step(created);
        }
      }
    }
    if (!ops.isEmpty()) {
      commit(api, pass, ops);
      created += ops.size();
      portsProgress.step(created);
    }
    await(push, pass, Duration.ofMinutes(10));
  }

  private record Figures(
      long[] fullMs, long[] portGroupMs, long sequentialMs, PushBreakdown breakdown) {}

  /**
   * The figures of --backend ovs, per run in microseconds: from the commit to every host confirmed,
   * and to every host applied (its confirm may still be on its way).
   */
  record OvsFigures(
      long[] everyHostMicros,
      long[] onePortMicros,
      long[] bindMicros,
      long[] everyHostAppliedMicros,
      long[] onePortAppliedMicros,
      long[] bindAppliedMicros) {
    /** The runs of several blocks, in order. */
    static OvsFigures concat(List<OvsFigures> parts) {
      return new OvsFigures(
          join(parts, OvsFigures::everyHostMicros),
          join(parts, OvsFigures::onePortMicros),
          join(parts, OvsFigures::bindMicros),
          join(parts, OvsFigures::everyHostAppliedMicros),
          join(parts, OvsFigures::onePortAppliedMicros),
          join(parts, OvsFigures::bindAppliedMicros));
    }

    private static long[] join(List<OvsFigures> parts, Function<OvsFigures, long[]> figure) {
      return parts.stream().map(figure).flatMapToLong(Arrays::stream).toArray();
    }
  }

  /**
   * The three figures with a real switch: a setting on every host, one port, one new port
   * per host; warmupRounds untimed rounds first.
   */
  private OvsFigures measureOvs(
      ManagerServiceBlockingStub api, PushEngine push, Pass pass, Warmup warm, int runCount) {
    long[][] confirmed = new long[3][runCount];
    long[][] applied = new long[3][runCount];
    String key = String.format("h%05d-p%03d", 0, 0);
    if (pass.ovsBreakdown == null) {
      pass.ovsBreakdown = new PushBreakdown(push);
    }
    for (int r = 0; r < runCount; ) {
      boolean warming = warm.warming();
      int round = pass.ovsRounds++;
      pass.ovsBreakdown.begin();
      long[] commitMicros = new long[1];
      long[] every =
          timedAppliedConfirmed(
              push,
              pass,
              () -> {
                long c0 = System.nanoTime();
                long generation = vlanChange(api, pass, 101 + round);
                commitMicros[0] = (System.nanoTime() - c0) / 1000;
                return generation;
              });
      if (!warming) {
        pass.ovsBreakdown.end(commitMicros[0], hosts);
      }
      long[] one =
          timedAppliedConfirmed(
              push,
              pass,
              () ->
                  commit(
                      api,
                      pass,
                      List.of(
                          ChangeOp.newBuilder()
                              .setUpdatePort(
                                  PortUpdate.newBuilder()
                                      .setKey(key)
                                      .setSettings(
                                          Port.newBuilder()
                                              .setPortGroupId(round % 2 == 0 ? "pg-b" : "pg-a")
                                              .setHostId(pass.hostIds.get(0))))
                              .build())));
      List<ChangeOp> bindOps = new ArrayList<>();
      List<ChangeOp> unbindOps = new ArrayList<>();
      for (int h = 0; h < hosts; h++) {
        String newKey = String.format("bind-%04d-h%05d", round, h);
        bindOps.add(
            ChangeOp.newBuilder()
                .setCreatePort(
                    Port.newBuilder()
                        .setKey(newKey)
                        .setPortGroupId("pg-b")
                        .setHostId(pass.hostIds.get(h)))
                .build());
        unbindOps.add(ChangeOp.newBuilder().setDeletePort(newKey).build());
      }
      long[] bind = timedAppliedConfirmed(push, pass, () -> commit(api, pass, bindOps));
      timed(
          push,
          pass,
          () -> commit(api, pass, unbindOps)); // back to the same ports for the next round
      String line =
          String.format(
              "every host %s (applied %s), one port %s (%s), one new port per host %s (%s)",
              SideBySide.ms(every[1]),
              SideBySide.ms(every[0]),
              SideBySide.ms(one[1]),
              SideBySide.ms(one[0]),
              SideBySide.ms(bind[1]),
              SideBySide.ms(bind[0]));
      if (warming) {
        warm.roundDone(System.out, pass.transport + ": " + line);
        continue;
      }
      long[][] both = {every, one, bind};
      for (int f = 0; f < 3; f++) {
        applied[f][r] = both[f][0];
        confirmed[f][r] = both[f][1];
      }
      System.out.printf("%s run %d: %s%n", pass.transport, r + 1, line);
      r++;
    }
    return new OvsFigures(
        confirmed[0], confirmed[1], confirmed[2], applied[0], applied[1], applied[2]);
  }

  /**
   * Times a commit in microseconds: to every member host applied (the manager holds its answer;
   * polled every 200 us) and to every member host confirmed.
   */
  private long[] timedAppliedConfirmed(PushEngine push, Pass pass, LongSupplier commit) {
    long start = System.nanoTime();
    pass.generation = commit.getAsLong();
    long deadline = start + TimeUnit.MINUTES.toNanos(10);
    HostStatusBook book = push.statusBook();
    while (!pass.hostIds.stream()
        .allMatch(h -> book.holdsContentOf(pass.dvsId, h, pass.generation))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "hosts did not apply generation " + pass.generation + " within 10 minutes");
      }
      LockSupport.parkNanos(200_000);
    }
    long applied = System.nanoTime();
    await(push, pass, Duration.ofNanos(Math.max(0, deadline - applied)));
    long confirmed = System.nanoTime();
    return new long[] {(applied - start) / 1000, (confirmed - start) / 1000};
  }

  private void reportOvs(Pass pass, OvsFigures f) {
    System.out.println();
    Table t =
        new Table(
            "FIGURE (" + hosts + " hosts on Open vSwitch, " + pass.transport + ")",
            "COMMIT -> APPLIED",
            "COMMIT -> CONFIRMED",
            "RUNS (confirmed, ms)");
    row(t, "a port-group setting, every host", f.everyHostAppliedMicros(), f.everyHostMicros());
    row(t, "one port, one host", f.onePortAppliedMicros(), f.onePortMicros());
    row(t, "one new port bound per host", f.bindAppliedMicros(), f.bindMicros());
    t.print(System.out);
    printOvsBreakdown(pass);
  }

  /** The per-stage breakdown of the change on every host, over the timed runs so far. */
  private void printOvsBreakdown(Pass pass) {
    System.out.println();
    pass.ovsBreakdown.print(
        System.out, "a port-group setting on every host, Open vSwitch, " + pass.transport);
  }

  private static void row(Table t, String figure, long[] appliedMicros, long[] confirmedMicros) {
    t.row(
        figure,
        SideBySide.ms(median(appliedMicros)),
        SideBySide.ms(median(confirmedMicros)),
        Arrays.toString(Arrays.stream(confirmedMicros).map(us -> us / 1000).toArray()));
  }

  /**
   * The figures of each pass, from rounds that alternate between the passes (warm-up rounds first).
   */
  private Map<Pass, Figures> measure(
      ManagerServiceBlockingStub api, PushEngine push, List<Pass> passes) {
    Map<Pass, long[]> full = new LinkedHashMap<>();
    Map<Pass, long[]> pg = new LinkedHashMap<>();
    Map<Pass, PushBreakdown> breakdowns = new LinkedHashMap<>();
    passes.forEach(
        p -> {
          full.put(p, new long[runs]);
          pg.put(p, new long[runs]);
          breakdowns.put(p, new PushBreakdown(push));
        });
    Warmup warm = warmup(passes);
    // Each round must change the MTU and the VLAN again.
    for (int i = 0, r = 0; r < runs; i++) {
      int mtu = i % 2 == 0 ? 9000 : 1500;
      int vlan = 101 + i;
      boolean warming = warm.warming();
      List<String> warmed = new ArrayList<>();
      for (Pass p : passes) {
        PushCpu.Mark beforeFull = p.cpu.mark();
        long fullMs =
            timed(
                push,
                p,
                () ->
                    api.updateDvs(
                            UpdateDvsRequest.newBuilder()
                                .setDvs(p.dvsId)
                                .setSettings(
                                    currentDvs(api, p).toBuilder()
                                        .setDefaultPolicy(
                                            Policy.newBuilder()
                                                .setMtu(
                                                    MtuSetting.newBuilder()
                                                        .setValue(mtu)
                                                        .setOverrideAllowed(true))))
                                .build())
                        .getDvs()
                        .getGeneration());
        PushBreakdown breakdown = breakdowns.get(p);
        breakdown.begin();
        long[] commitMicros = new long[1];
        PushCpu.Mark beforePg = p.cpu.mark();
        long pgMs =
            timed(
                push,
                p,
                () -> {
                  long c0 = System.nanoTime();
                  long generation = vlanChange(api, p, vlan);
                  commitMicros[0] = (System.nanoTime() - c0) / 1000;
                  return generation;
                });
        PushCpu.Mark afterPg = p.cpu.mark();
        if (warming) {
          warmed.add(
              String.format(
                  "%s: full push %d ms, port-group change %d ms", p.transport, fullMs, pgMs));
          continue;
        }
        breakdown.end(commitMicros[0], hosts);
        p.cpu.add("full push", beforeFull, beforePg);
        p.cpu.add("port-group change", beforePg, afterPg);
        full.get(p)[r] = fullMs;
        pg.get(p)[r] = pgMs;
        System.out.printf(
            "%s run %d: full push %d ms, port-group change %d ms%n",
            p.transport, r + 1, fullMs, pgMs);
      }
      if (warming) {
        warm.roundDone(System.out, String.join("; ", warmed));
      } else {
        r++;
      }
    }
    System.out.println(warm.summary());
    System.out.println(warm.timedRunsLine());
    Map<Pass, Figures> out = new LinkedHashMap<>();
    for (Pass p : passes) {
      long sequential = -1;
      if (!skipSequential) {
        push.setMaxInFlight(1);
        sequential = timed(push, p, () -> vlanChange(api, p, 100));
        push.setMaxInFlight(maxInFlight);
        System.out.printf(
            "%s: port-group change pushed one host at a time: %d ms%n", p.transport, sequential);
      }
      out.put(p, new Figures(full.get(p), pg.get(p), sequential, breakdowns.get(p)));
    }
    return out;
  }

  private long vlanChange(ManagerServiceBlockingStub api, Pass pass, int vlan) {
    return commit(
        api,
        pass,
        List.of(
            ChangeOp.newBuilder()
                .setUpdatePortGroup(
                    PortGroupUpdate.newBuilder()
                        .setPortGroup("pg-a")
                        .setSettings(portGroup("pg-a", vlan)))
                .build()));
  }

  private void report(Pass pass, Figures f) {
    long fullMedian = median(f.fullMs());
    long pgMedian = median(f.portGroupMs());
    System.out.println();
    Table t =
        new Table(
            "FIGURE (commit -> all " + hosts + " hosts applied, " + pass.transport + ")",
            "MEDIAN",
            "P99",
            "RUNS (ms)");
    t.row(
        "full push (DVS default MTU: every port on every host)",
        fullMedian + " ms",
        p99(f.fullMs()) + " ms",
        Arrays.toString(f.fullMs()));
    t.row(
        "one port-group change (VLAN of pg-a: half the ports)",
        pgMedian + " ms",
        p99(f.portGroupMs()) + " ms",
        Arrays.toString(f.portGroupMs()));
    if (f.sequentialMs() >= 0) {
      t.row(
          "the same port-group change, one host at a time",
          f.sequentialMs() + " ms",
          "-",
          "[" + f.sequentialMs() + "]");
    }
    t.print(System.out);
    long[] pgSorted = f.portGroupMs().clone();
    Arrays.sort(pgSorted);
    System.out.printf(
        "one port-group change: p50 %d ms, p99 %d ms (%d runs)%n",
        pgMedian, percentile(pgSorted, 99), pgSorted.length);
    pass.cpu.print(System.out, pass.transport.toString());
    System.out.println();
    f.breakdown()
        .print(System.out, "one port-group change, " + pass.transport + ", " + runs + " runs");
    if (f.sequentialMs() >= 0) {
      System.out.printf(
          "parallel speed-up: %.1fx (one host at a time %d ms / parallel median %d ms)%n",
          (double) f.sequentialMs() / Math.max(1, pgMedian), f.sequentialMs(), pgMedian);
    }
  }

  private long timed(PushEngine push, Pass pass, LongSupplier commit) {
    long start = System.nanoTime();
    pass.generation = commit.getAsLong();
    await(push, pass, Duration.ofMinutes(10));
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private void await(PushEngine push, Pass pass, Duration timeout) {
    try {
      push.whenInSync(pass.dvsId, pass.generation).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "hosts did not reach generation " + pass.generation + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private long commit(ManagerServiceBlockingStub api, Pass pass, List<ChangeOp> ops) {
    pass.generation =
        api.withDeadlineAfter(60, TimeUnit.SECONDS)
            .commitChangeSet(
                CommitChangeSetRequest.newBuilder().setDvs(pass.dvsId).addAllOps(ops).build())
            .getGeneration();
    return pass.generation;
  }

  private Dvs currentDvs(ManagerServiceBlockingStub api, Pass pass) {
    return api.getDvs(GetDvsRequest.newBuilder().setDvs(pass.dvsId).build()).getDvs();
  }

  private static PortGroup portGroup(String name, int vlan) {
    return PortGroup.newBuilder()
        .setName(name)
        .setNumPorts(0)
        .setAutoExpand(true)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vlan))))
        .build();
  }

  /**
   * The median of values, what every bench figure reports: for an even count, the mean of the two
   * middle values (rounded down).
   */
  static long median(long[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The 99th percentile (nearest rank) of values in any order. */
  private static long p99(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return percentile(sorted, 99);
  }

  /** The p-th percentile (nearest rank) of values sorted ascending. */
  static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    return sorted[Math.max(0, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
  }
}
