package io.switchplane.bench;

import com.vmware.vim25.mo.VirtualMachine;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddVcenterRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetVcenterStatusRequest;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterServiceGrpc;
import io.switchplane.api.v1.VcenterStatus;
import io.switchplane.bench.vcsim.VcSim;
import io.switchplane.bench.vcsim.VcenterOperator;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.reconcile.PushSettings;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import io.switchplane.manager.vmtracker.TrackerPlanner;
import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.InventorySync;
import io.switchplane.vcenter.VcenterEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane bench vmtracker`: the VM tracker's two figures against govmomi's vCenter simulator:
 * the initial sync of a sized inventory, and the time from a VM's power-off (and power-on) in
 * vCenter to its VLAN gone from (back on) its host's uplinks as the agent applied them, with the
 * tracker's default confirm settings.
 */
@Command(
    name = "vmtracker",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the VM tracker against the vCenter simulator (build it with "
          + "tests-integration/vcsim/build.sh, which needs golang-go and golang-github-vmware-govmomi-dev):",
      "the simulator binary is $SWITCHPLANE_VCSIM, else tests-integration/target/vcsim/vcsim of this checkout.",
      "Figures: the initial sync of hosts x VMs, and power-off -> VLAN removed from the host's uplinks (and power-on -> "
          + "added), through a manager and one lightweight agent per host in this JVM."
    })
public final class VmTrackerBench implements Callable<Integer> {
  private static final String PG = "bench-pg";
  private static final int VLAN = 999;

  @Option(
      names = "--clusters",
      description = "Clusters of the simulator, default ${DEFAULT-VALUE}.")
  int clusters = 5;

  @Option(
      names = "--hosts-per-cluster",
      description = "Hosts per cluster, default ${DEFAULT-VALUE}.")
  int hostsPerCluster = 10;

  @Option(names = "--vms-per-host", description = "VMs per host, default ${DEFAULT-VALUE}.")
  int vmsPerHost = 20;

  @Option(
      names = "--runs",
      description = "Timed runs per figure, default ${DEFAULT-VALUE}; the median is reported.")
  int runs = 5;

  @Option(
      names = "--nic-records",
      description =
          "Measure the NIC-record sync instead: every VM's guest reports an address (vcsim"
              + " -guest-ips); time from 'subnet create' to a record for each VM.")
  boolean nicRecords;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
    }
    Path dir = Files.createTempDirectory("switchplane-bench-vmtracker");
    VcSim.Size size = new VcSim.Size(clusters, hostsPerCluster, vmsPerHost, 0, 1);
    if (nicRecords) {
      try {
        nicRecords(dir, size);
      } finally {
        TempDirs.deleteTree(dir);
      }
      return 0;
    }
    System.out.printf(
        "bench vmtracker: %d hosts, %d VMs in the simulator, %d runs per figure, %d cores%n",
        size.hosts(), size.vms(), runs, Runtime.getRuntime().availableProcessors());
    try (VcSim sim = VcSim.start(dir.resolve("vcsim"), size)) {
      List<String> hostNames = initialSync(sim, size);
      powerCycle(sim, dir, hostNames);
    } finally {
      TempDirs.deleteTree(dir);
    }
    return 0;
  }

  /** Times full syncs of a fresh tracker; returns the vCenter's host names. */
  private List<String> initialSync(VcSim sim, VcSim.Size size) throws InterruptedException {
    long[] ms = new long[runs];
    Inventory last = Inventory.EMPTY;
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      try (InventorySync sync = new InventorySync("bench", endpoint(sim), inv -> {})) {
        sync.start();
        if (!sync.awaitFirstSync(Duration.ofSeconds(120))) {
          throw new IllegalStateException("no full sync within 120 s: " + sync.status());
        }
        ms[r] = (System.nanoTime() - t0) / 1_000_000;
        last = sync.inventory();
      }
      if (last.vms().size() != size.vms() || last.hosts().size() != size.hosts()) {
        throw new IllegalStateException(
            "the sync saw "
                + last.hosts().size()
                + " hosts and "
                + last.vms().size()
                + " VMs, the simulator has "
                + size.hosts()
                + " and "
                + size.vms());
      }
    }
    System.out.printf(
        "initial sync, %d VMs on %d hosts (login, filter, full WaitForUpdatesEx): median %d ms, "
            + "min %d ms, max %d ms (target <= 5,000 ms)%n",
        last.vms().size(),
        last.hosts().size(),
        BenchCommand.median(ms),
        Arrays.stream(ms).min().orElse(0),
        Arrays.stream(ms).max().orElse(0));
    return last.hosts().values().stream().map(Inventory.Host::name).sorted().toList();
  }

  private void powerCycle(VcSim sim, Path dir, List<String> hostNames) throws IOException {
    try (BenchFleet fleet =
            BenchFleet.start(
                dir.resolve("fleet"),
                hostNames.size(),
                new Progress(System.err, "starting agents", hostNames.size()));
        SwitchplaneManager manager =
            new SwitchplaneManager(
                    ManagerConfig.local(dir.resolve("manager"))
                        .withPush(PushSettings.defaults().withDriftCheck(Duration.ZERO, false))
                        .withSnapshots(
                            new SnapshotPolicy(
                                SnapshotPolicy.DEFAULT.keep(),
                                SnapshotPolicy.DEFAULT.maxAge(),
                                Duration.ZERO)))
                .start();
        VcenterOperator vc = VcenterOperator.connect(sim.sdkUrl(), VcSim.USER, VcSim.PASSWORD)) {
      if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
        throw new IllegalStateException("manager did not become leader");
      }
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
      List<ManagedChannel> agentChannels = new ArrayList<>();
      try {
        ManagerServiceBlockingStub api = ManagerServiceGrpc.newBlockingStub(channel);
        String dvsId = setUp(api, fleet, hostNames);
        // One VM alone on its VLAN: moved to a port group of its own, on the host it runs on.
        vc.addPortgroup(vc.dvsNames().get(0), PG, VLAN);
        String vm = vc.vmNames().get(0);
        String host = vc.hostOf(vm);
        vc.moveNic(vm, PG);
        long t0 = System.nanoTime();
        addSimVcenter(channel, sim);
        ManagedChannel agentChannel =
            NettyChannelBuilder.forTarget(fleet.endpoint(hostNames.indexOf(host)))
                .usePlaintext()
                .build();
        agentChannels.add(agentChannel);
        HostAgentServiceBlockingStub agent = HostAgentServiceGrpc.newBlockingStub(agentChannel);
        waitFor(() -> carries(agent, dvsId, host, VLAN), Duration.ofSeconds(120));
        System.out.printf(
            "vCenter added -> VLAN %d on %s's uplinks (first sync, plan, push to %d hosts): %d ms%n",
            VLAN, host, hostNames.size(), (System.nanoTime() - t0) / 1_000_000);
        long[] off = new long[runs];
        long[] on = new long[runs];
        long[] task = new long[runs];
        long[] seen = new long[runs];
        long[] committed = new long[runs];
        VcenterServiceGrpc.VcenterServiceBlockingStub vcenters =
            VcenterServiceGrpc.newBlockingStub(channel);
        // Found once, before the clock starts: a lookup by name reads the names of all VMs (the
        // operator's doing, not the tracker's), which would count a few hundred ms against it.
        t0 = System.nanoTime();
        VirtualMachine target = vc.vm(vm);
        System.out.printf(
            "(the operator's lookup of VM %s by name among %d: %d ms, not counted below)%n",
            vm, hostNames.size() * vmsPerHost, (System.nanoTime() - t0) / 1_000_000);
        for (int r = 0; r < runs; r++) {
          long startMs = System.currentTimeMillis();
          t0 = System.nanoTime();
          vc.powerOff(target);
          task[r] = (System.nanoTime() - t0) / 1_000_000;
          waitFor(() -> !carries(agent, dvsId, host, VLAN), Duration.ofSeconds(30));
          off[r] = (System.nanoTime() - t0) / 1_000_000;
          VcenterStatus st =
              vcenters
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .getVcenterStatus(GetVcenterStatusRequest.newBuilder().setName("sim").build())
                  .getStatuses(0);
          seen[r] = st.getLastUpdateMs() - startMs;
          committed[r] = st.getProvisionedMs() - startMs;
          t0 = System.nanoTime();
          vc.powerOn(target);
          waitFor(() -> carries(agent, dvsId, host, VLAN), Duration.ofSeconds(30));
          on[r] = (System.nanoTime() - t0) / 1_000_000;
        }
        System.out.printf(
            "power-off -> VLAN removed from the host's uplinks: median %d ms, max %d ms "
                + "(target <= 1,000 ms)%n",
            BenchCommand.median(off), Arrays.stream(off).max().orElse(0));
        System.out.printf(
            "  of which, medians from the power-off call: task done %d ms, update in the tracker's "
                + "view %d ms, change set committed %d ms%n",
            BenchCommand.median(task), BenchCommand.median(seen), BenchCommand.median(committed));
        System.out.printf(
            "power-on  -> VLAN added to the host's uplinks:     median %d ms, max %d ms%n",
            BenchCommand.median(on), Arrays.stream(on).max().orElse(0));
      } finally {
        agentChannels.forEach(ManagedChannel::shutdownNow);
        channel.shutdownNow();
      }
    }
  }

  /**
   * Registers the simulator's hosts by name on the agents, one DVS with all of them, the
   * counterparts.
   */
  private static String setUp(
      ManagerServiceBlockingStub api, BenchFleet fleet, List<String> hostNames) {
    for (int i = 0; i < hostNames.size(); i++) {
      api.registerHost(
          RegisterHostRequest.newBuilder()
              .setName(hostNames.get(i))
              .setEndpoint(fleet.endpoint(i))
              .build());
    }
    String dvsId =
        api.createDvs(CreateDvsRequest.newBuilder().setName("bench-dvs").build()).getDvs().getId();
    CommitChangeSetRequest.Builder cs =
        CommitChangeSetRequest.newBuilder()
            .setDvs(dvsId)
            .addOps(ChangeOp.newBuilder().setCreatePortGroup(PortGroup.newBuilder().setName(PG)))
            .addOps(
                ChangeOp.newBuilder()
                    .setCreatePortGroup(PortGroup.newBuilder().setName("DC0_DVPG0")));
    hostNames.forEach(
        h -> cs.addOps(ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId(h))));
    api.commitChangeSet(cs.build());
    return dvsId;
  }

  /**
   * The NIC-record figure: a manager follows a simulator whose VMs' guests all report an address;
   * per run a subnet covering them is created and the time until every VM holds a record is taken
   * (the leader's sync reads the inventory, plans and takes them in batches). Between runs the
   * subnet is emptied (records released, subnet deleted in one go by a fresh network index).
   */
  private void nicRecords(Path dir, VcSim.Size size) throws IOException {
    System.out.printf(
        "bench vmtracker --nic-records: %d VMs with a guest address, %d runs, %d cores%n",
        size.vms(), runs, Runtime.getRuntime().availableProcessors());
    try (VcSim sim = VcSim.start(dir.resolve("vcsim"), size, "-guest-ips", "10.64.0.0");
        SwitchplaneManager manager =
            new SwitchplaneManager(
                    ManagerConfig.local(dir.resolve("manager"))
                        .withSnapshots(
                            new SnapshotPolicy(
                                SnapshotPolicy.DEFAULT.keep(),
                                SnapshotPolicy.DEFAULT.maxAge(),
                                Duration.ZERO)))
                .start()) {
      if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
        throw new IllegalStateException("manager did not become leader");
      }
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
      try {
        ManagerServiceBlockingStub api = ManagerServiceGrpc.newBlockingStub(channel);
        String dvsId =
            api.createDvs(CreateDvsRequest.newBuilder().setName("bench-dvs").build())
                .getDvs()
                .getId();
        api.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs(dvsId)
                .addOps(
                    ChangeOp.newBuilder()
                        .setCreatePortGroup(PortGroup.newBuilder().setName("DC0_DVPG0")))
                .build());
        VcenterServiceGrpc.VcenterServiceBlockingStub vcenters =
            VcenterServiceGrpc.newBlockingStub(channel);
        addSimVcenter(channel, sim);
        waitFor(
            () ->
                vcenters
                        .getVcenterStatus(
                            GetVcenterStatusRequest.newBuilder().setName("sim").build())
                        .getStatuses(0)
                        .getVms()
                    == size.vms(),
            Duration.ofSeconds(120));
        io.switchplane.api.v1.IpamServiceGrpc.IpamServiceBlockingStub ipam =
            io.switchplane.api.v1.IpamServiceGrpc.newBlockingStub(channel);
        // One run: emptying the subnet between runs races the sync, which takes every released
        // address again at once (a first version looped on it until its timeout).
        long[] ms = new long[1];
        for (int r = 0; r < ms.length; r++) {
          String name = "bench-" + r;
          long t0 = System.nanoTime();
          ipam.withDeadlineAfter(30, TimeUnit.SECONDS)
              .createSubnet(
                  io.switchplane.api.v1.CreateSubnetRequest.newBuilder()
                      .setSubnet(
                          io.switchplane.api.v1.Subnet.newBuilder()
                              .setName(name)
                              .setCidr("10.64.0.0/16")
                              .setNetwork(
                                  io.switchplane.api.v1.L2Network.newBuilder()
                                      .setDvs("bench-dvs")
                                      .setPortGroup("DC0_DVPG0")))
                      .build());
          waitFor(
              () ->
                  ipam.getSubnet(
                              io.switchplane.api.v1.GetSubnetRequest.newBuilder()
                                  .setSubnet(name)
                                  .build())
                          .getUsage()
                          .getUsed()
                      >= size.vms(),
              Duration.ofSeconds(120));
          ms[r] = (System.nanoTime() - t0) / 1_000_000;
          System.err.printf("run %d: %d ms%n", r + 1, ms[r]);
          if (r + 1 == ms.length) {
            break;
          }
          waitFor(
              () -> {
                for (io.switchplane.api.v1.NicRecord rec :
                    ipam.listNicRecords(
                            io.switchplane.api.v1.ListNicRecordsRequest.newBuilder()
                                .setSubnet(name)
                                .build())
                        .getRecordsList()) {
                  try {
                    ipam.releaseAddress(
                        io.switchplane.api.v1.ReleaseAddressRequest.newBuilder()
                            .setSubnet(name)
                            .setAddress(rec.getAddress())
                            .build());
                  } catch (io.grpc.StatusRuntimeException e) {
                    // released by someone else meanwhile
                  }
                }
                try {
                  ipam.deleteSubnet(
                      io.switchplane.api.v1.DeleteSubnetRequest.newBuilder()
                          .setSubnet(name)
                          .build());
                  return true;
                } catch (io.grpc.StatusRuntimeException e) {
                  return false;
                }
              },
              Duration.ofSeconds(120));
        }
        System.out.printf(
            "subnet create -> a NIC record for each of %d VMs: median %d ms, min %d ms, max %d ms%n",
            size.vms(),
            BenchCommand.median(ms),
            Arrays.stream(ms).min().orElse(0),
            Arrays.stream(ms).max().orElse(0));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Whether the agent's backend has VLAN vlan on both uplink ports of host. */
  /** Adds the simulator as vCenter "sim", its tracker on bench-dvs, as an operator would. */
  private static void addSimVcenter(ManagedChannel channel, VcSim sim) {
    VcenterServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .addVcenter(
            AddVcenterRequest.newBuilder()
                .setPassword(VcSim.PASSWORD)
                .setVcenter(
                    Vcenter.newBuilder()
                        .setName("sim")
                        .setUrl(sim.sdkUrl().toString())
                        .setUser(VcSim.USER)
                        .setTracker(TrackerSettings.newBuilder().setDvs("bench-dvs")))
                .build());
  }

  private static boolean carries(
      HostAgentServiceBlockingStub agent, String dvsId, String host, int vlan) {
    int found = 0;
    for (EffectivePort p :
        agent
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build())
            .getBackendPortsList()) {
      if (p.getKey().startsWith(host + ":uplink")
          && !p.getPolicy().getBlocked()
          && TrackerPlanner.vlansOf(p.getPolicy().getVlan()).contains(vlan)) {
        found++;
      }
    }
    return found == 2;
  }

  /**
   * Polls every 2 ms: what is timed here is the system's reaction, and a coarser poll would
   * dominate it.
   */
  private static void waitFor(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not reached within " + timeout.toSeconds() + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
    }
  }

  private static VcenterEndpoint endpoint(VcSim sim) {
    return new VcenterEndpoint(sim.sdkUrl(), VcSim.USER, VcSim.PASSWORD, false, null);
  }
}
