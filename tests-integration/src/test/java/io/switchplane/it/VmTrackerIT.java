package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.mo.DistributedVirtualPortgroup;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.VirtualMachine;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetVcenterStatusRequest;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.ShowVmTrackerRequest;
import io.switchplane.api.v1.ShowVmTrackerResponse;
import io.switchplane.api.v1.VcenterServiceGrpc;
import io.switchplane.api.v1.VcenterStatus;
import io.switchplane.api.v1.VmTrackerServiceGrpc;
import io.switchplane.bench.vcsim.VcSim;
import io.switchplane.bench.vcsim.VcenterOperator;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.manager.vmtracker.TrackerPlanner;
import io.switchplane.vcenter.VlanSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM tracker end to end against govmomi's vCenter simulator (the real vSphere SOAP API): an
 * operator drives vCenter (power off, migrate, create, move a NIC, change a port group's VLAN) and
 * every tracked host's uplinks, as its agent really applied them, converge to exactly what its
 * powered-on VMs need plus the pinned VLAN. Expected values are worked out here from vCenter
 * itself, independently of the tracker's planner.
 *
 * <p>Layout: three vCenter hosts; DC0_C0_H0 and DC0_C0_H1 map to the agents host-1 and host-2,
 * DC0_C0_H2 has no Switchplane host (its VMs are reported, not provisioned). host-3 is a member of
 * the DVS too, mapped from "esx-new", a host that joins vCenter only in one test.
 */
class VmTrackerIT {
  private static final String PINNED = "10";
  private static final Map<String, String> HOSTS =
      Map.of("DC0_C0_H0", "host-1", "DC0_C0_H1", "host-2", "esx-new", "host-3");

  @TempDir Path dir;
  private VcSim vcsim;
  private LocalStack stack;
  private VcenterOperator vc;

  /** The VLAN each vCenter port group tags, as the test set it. */
  private final Map<String, Integer> vlans = new HashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    vcsim = VcSim.start(dir.resolve("vcsim"), new VcSim.Size(1, 3, 2, 0, 2));
    vc = VcenterOperator.connect(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD);
    setVlan("DC0_DVPG0", 100);
    setVlan("DC0_DVPG1", 200);
    stack = LocalStack.start(dir.resolve("stack"), 0, 3, 0);
    ok("dvs", "create", "dvs1");
    for (String host : List.of("host-1", "host-2", "host-3")) {
      ok("dvs", "add-host", "dvs1", host);
    }
    // Counterparts without a VLAN of their own: the VLAN comes from vCenter.
    ok("portgroup", "create", "dvs1", "DC0_DVPG0");
    ok("portgroup", "create", "dvs1", "DC0_DVPG1");
  }

  @AfterEach
  void tearDown() {
    if (vc != null) {
      vc.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (vcsim != null) {
      vcsim.close();
    }
  }

  @Test
  void uplinksFollowPowerMigrationNewVmsNicMovesAndVlanChanges() throws IOException {
    addVcenter("vc1", VcSim.PASSWORD);
    awaitConverged();
    VcenterStatus status = status("vc1");
    assertThat(status.getState()).isEqualTo("SYNCED");
    assertThat(status.getVms()).isEqualTo(6);
    assertThat(status.getProblemsList())
        .anySatisfy(
            p -> {
              assertThat(p.getKind()).isEqualTo("UNMANAGED_HOST");
              assertThat(p.getObject()).isEqualTo("DC0_C0_H2");
            });
    Cli.Run show = ok("vmtracker", "show");
    assertThat(show.out())
        .contains(
            "HOST",
            "VM",
            "PORT-GROUP",
            "VLAN",
            "PROVISIONED",
            "host-1 (DC0_C0_H0)",
            "DC0_C0_H2 (unmanaged)",
            "UPLINKS CARRY");
    assertThat(ok("vmtracker", "show", "--host", "host-1", "--output", "json").out())
        .contains("\"provisioned\": true")
        .doesNotContain("DC0_C0_H1");

    // Move every VM of host-1 onto port group 1, then power them off one by one: VLAN 200 stays on
    // host-1's uplinks while any of them runs there.
    List<String> onH0 = vmsOn("DC0_C0_H0");
    assertThat(onH0).isNotEmpty();
    for (String vm : onH0) {
      vc.moveNic(vm, "DC0_DVPG1");
      awaitConverged();
    }
    for (String vm : onH0) {
      vc.powerOff(vm);
      awaitConverged();
    }
    vc.powerOn(onH0.get(0));
    awaitConverged();

    // vMotion to host-2: the VLAN leaves host-1 only because nothing else there needs it.
    vc.migrate(onH0.get(0), "DC0_C0_H1");
    awaitConverged();

    vc.createVm("new-vm", "DC0_C0_H0", "DC0_DVPG0");
    awaitConverged();

    setVlan("DC0_DVPG0", 150);
    awaitConverged();

    vc.deleteVm("new-vm");
    awaitConverged();
  }

  @Test
  void aVmotionInVcenterMovesTheVmsPortKeepingItsIdentity() throws IOException {
    addVcenter("vc1", VcSim.PASSWORD);
    awaitConverged();
    String vmName = vmsOn("DC0_C0_H0").get(0);
    String[] nic = instanceUuidAndMac(vmName);
    ok(
        "port",
        "create",
        "dvs1",
        "vm-port",
        "-g",
        "DC0_DVPG0",
        "--host",
        "host-1",
        "--vm",
        nic[0],
        "--mac",
        nic[1]);
    Map<String, String> hostIds = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(backendPort(0, "vm-port")).as("forwarding on host-1").isNotNull();
              assertThat(backendPort(0, "vm-port").getPolicy().getBlocked()).isFalse();
            });
    managerCall(
        ch ->
            ManagerServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("dvs1").build())
                .getHostsList()
                .forEach(h -> hostIds.put(h.getHostName(), h.getHostId())));
    Port before = storedPort("vm-port");
    assertThat(before.getHostId()).isEqualTo(hostIds.get("host-1"));

    vc.migrate(vmName, "DC0_C0_H1");

    // The follower moves the port with the two-host transaction: one record throughout, now on
    // host-2, forwarding there (not blocked) and released on host-1.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Port now = storedPort("vm-port");
              assertThat(now.getHostId()).isEqualTo(hostIds.get("host-2"));
              assertThat(now.hasMigration()).isFalse();
              EffectivePort there = backendPort(1, "vm-port");
              assertThat(there).as("held by host-2's agent").isNotNull();
              assertThat(there.getPolicy().getBlocked()).as("forwarding on host-2").isFalse();
              assertThat(backendPort(0, "vm-port")).as("released on host-1").isNull();
            });
    Port after = storedPort("vm-port");
    assertThat(after.getKey()).isEqualTo(before.getKey());
    assertThat(after.getConnectee()).isEqualTo(before.getConnectee());
    assertThat(after.getPortGroupId()).isEqualTo(before.getPortGroupId());
    assertThat(after.toBuilder().setHostId(before.getHostId()).build())
        .as("the same port, only its host changed")
        .isEqualTo(before);
    // A move, not a delete and create: the change log has the migration's steps for it.
    assertThat(ok("log", "dvs1", "--output", "json").out())
        .contains("vCenter moved VM " + nic[0] + " (prepare)")
        .contains("vCenter moved VM " + nic[0] + " (switch-over)");
  }

  /** The VM's instance UUID and its first NIC's MAC, as vCenter has them. */
  private String[] instanceUuidAndMac(String vmName) throws IOException {
    ServiceInstance si = new ServiceInstance(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD, false);
    try {
      VirtualMachine vm =
          (VirtualMachine)
              new InventoryNavigator(si.getRootFolder())
                  .searchManagedEntity("VirtualMachine", vmName);
      for (VirtualDevice d : vm.getConfig().getHardware().getDevice()) {
        if (d instanceof VirtualEthernetCard card) {
          return new String[] {vm.getConfig().getInstanceUuid(), card.getMacAddress()};
        }
      }
      throw new IllegalStateException("VM " + vmName + " has no NIC");
    } finally {
      si.getServerConnection().logout();
    }
  }

  /** The port as the manager stores it. */
  private Port storedPort(String key) {
    Port[] out = new Port[1];
    managerCall(
        ch ->
            out[0] =
                ManagerServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listPorts(ListPortsRequest.newBuilder().setDvs("dvs1").build())
                    .getPortsList()
                    .stream()
                    .filter(p -> p.getKey().equals(key))
                    .findFirst()
                    .orElseThrow());
    return out[0];
  }

  private void managerCall(java.util.function.Consumer<ManagedChannel> call) {
    ManagedChannel ch =
        NettyChannelBuilder.forTarget(stack.managerEndpoint(), stack.operatorCredentials()).build();
    try {
      call.accept(ch);
    } finally {
      ch.shutdownNow();
    }
  }

  /** The port as agent i's backend really has it; null when it has none with that key. */
  private EffectivePort backendPort(int i, String key) {
    return HostAgentServiceGrpc.newBlockingStub(stack.agentChannel(i))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getState(GetStateRequest.newBuilder().setDvsId(stack.dvsId("dvs1")).build())
        .getBackendPortsList()
        .stream()
        .filter(p -> p.getKey().equals(key))
        .findFirst()
        .orElse(null);
  }

  @Test
  void hostsAChangeDidNotTouchAreReportedInSyncAndTheirVmsProvisioned() throws IOException {
    addVcenter("vc1", VcSim.PASSWORD);
    awaitConverged();
    long before =
        stack
            .stub()
            .getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build())
            .getDvs()
            .getGeneration();

    // Only host-1's uplinks change: host-2 is not contacted and keeps its older applied generation.
    for (String vm : vmsOn("DC0_C0_H0")) {
      vc.powerOff(vm);
    }
    awaitConverged();
    assertThat(uplinks()).containsEntry("host-1", VlanSet.parse(PINNED));
    long after =
        stack
            .stub()
            .getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build())
            .getDvs()
            .getGeneration();
    assertThat(after).isGreaterThan(before);
    HostPushStatus host2 =
        stack
            .stub()
            .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("dvs1").build())
            .getHostsList()
            .stream()
            .filter(h -> h.getHostName().equals("host-2"))
            .findFirst()
            .orElseThrow();
    assertThat(host2.getAppliedGeneration()).as("host-2 was not touched").isLessThan(after);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(status("vc1").getHostsOutOfSync()).isZero();
              ShowVmTrackerResponse show = show();
              assertThat(show.getHostsList())
                  .isNotEmpty()
                  .allSatisfy(
                      h ->
                          assertThat(h.getInSync())
                              .as(
                                  "%s: needs %s, carries %s",
                                  h.getHost(), h.getNeededVlans(), h.getProvisionedVlans())
                              .isTrue());
              assertThat(show.getRowsList())
                  .filteredOn(
                      r -> r.getHost().equals("host-2") && r.getPowerState().equals("POWERED_ON"))
                  .isNotEmpty()
                  .allSatisfy(
                      r ->
                          assertThat(r.getProvisioned())
                              .as("%s on host-2: %s", r.getVm(), r.getNote())
                              .isTrue());
            });
  }

  @Test
  void aHostJoiningVcenterGetsUplinkPortsAndLosesThemWhenItLeaves() throws IOException {
    addVcenter("vc1", VcSim.PASSWORD);
    awaitConverged();
    assertThat(uplinks()).doesNotContainKey("host-3");

    vc.addHost("esx-new");
    awaitConverged();
    assertThat(uplinks()).containsEntry("host-3", VlanSet.parse(PINNED));
    String vm = vmsOn("DC0_C0_H0").get(0);
    vc.moveNic(vm, "DC0_DVPG1");
    vc.migrate(vm, "esx-new");
    awaitConverged();
    assertThat(uplinks()).containsEntry("host-3", VlanSet.parse(PINNED + ",200"));

    // vCenter refuses to remove a host with VMs: the VM goes back first.
    vc.migrate(vm, "DC0_C0_H0");
    vc.removeHost("esx-new");
    awaitConverged();
    assertThat(uplinks()).doesNotContainKey("host-3");
  }

  @Test
  void aRestartedVcenterIsResyncedAndWrongCredentialsAreReportedWithoutHarm() throws IOException {
    addVcenter("vc1", VcSim.PASSWORD);
    awaitConverged();
    ok("dvs", "create", "dvs2");
    addVcenter("bad", "wrong-password", "dvs2");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              VcenterStatus bad = status("bad");
              assertThat(bad.getState()).isEqualTo("AUTH_FAILED");
              assertThat(bad.getMessage()).containsIgnoringCase("password");
              assertThat(bad.getMessage()).doesNotContain("wrong-password");
            });
    long fullSyncs = status("vc1").getFullSyncs();
    Map<String, VlanSet> before = uplinks();

    vcsim.stop();
    await().atMost(Duration.ofSeconds(30)).until(() -> status("vc1").getState().equals("RETRYING"));
    assertThat(uplinks())
        .as("an unreachable vCenter changes nothing on the hosts")
        .isEqualTo(before);

    // The simulator comes back with its model as built at start: the VLANs set before are gone.
    vcsim.start();
    // The operator's session died with the old simulator process: there is nothing left to log out
    // of.
    vc = VcenterOperator.connect(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD);
    vlans.clear();
    setVlan("DC0_DVPG0", 300);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              VcenterStatus s = status("vc1");
              assertThat(s.getState()).isEqualTo("SYNCED");
              assertThat(s.getFullSyncs()).isGreaterThan(fullSyncs);
            });
    awaitConverged();
    // Still refused (or, while its backoff from the outage runs, still waiting to retry): never
    // synced.
    assertThat(status("bad").getState()).isIn("AUTH_FAILED", "RETRYING");
    assertThat(status("bad").getVms()).isZero();

    // The operator fixes the password in place: the restarted tracker logs in and syncs.
    Path fixed = dir.resolve("bad-fixed.pw");
    Files.writeString(fixed, VcSim.PASSWORD + "\n");
    assertThat(ok("vcenter", "update", "bad", "--password-file", fixed.toString()).out())
        .contains("changed vCenter bad (revision 2)");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              VcenterStatus s = status("bad");
              assertThat(s.getState()).isEqualTo("SYNCED");
              assertThat(s.getVms()).isEqualTo(6);
            });
    Cli.Run both =
        Cli.run(stack, "vcenter", "update", "bad", "--insecure", "--trust-store", "/etc/hostname");
    assertThat(both.exit()).isNotZero();
    assertThat(both.err()).contains("not both");
    assertThat(ok("vcenter", "list").out()).as("nothing changed").doesNotContain("insecure");
    ok("vcenter", "remove", "bad");
    assertThat(ok("vcenter", "list").out()).contains("vc1").doesNotContain("bad ");
  }

  private void addVcenter(String name, String password) throws IOException {
    addVcenter(name, password, "dvs1");
  }

  private void addVcenter(String name, String password, String dvs) throws IOException {
    Path pw = dir.resolve(name + ".pw");
    Files.writeString(pw, password + "\n");
    List<String> args =
        new ArrayList<>(
            List.of(
                "vcenter",
                "add",
                name,
                "--url",
                vcsim.sdkUrl().toString(),
                "--user",
                VcSim.USER,
                "--password-file",
                pw.toString(),
                "--dvs",
                dvs,
                "--pin-vlans",
                PINNED));
    HOSTS.forEach((from, to) -> args.addAll(List.of("--map-host", from + "=" + to)));
    ok(args.toArray(String[]::new));
  }

  private void setVlan(String portgroup, int vlan) throws IOException {
    vc.setPortgroupVlan(portgroup, vlan);
    vlans.put(portgroup, vlan);
  }

  /** Waits until every tracked host's applied uplinks carry exactly what vCenter's state needs. */
  private void awaitConverged() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(uplinks()).isEqualTo(expected()));
  }

  /** What vCenter's powered-on VMs need per Switchplane host, plus the pinned VLAN. */
  private Map<String, VlanSet> expected() throws IOException {
    ServiceInstance si = new ServiceInstance(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD, false);
    try {
      Map<String, String> pgNames = new HashMap<>();
      for (ManagedEntity e :
          new InventoryNavigator(si.getRootFolder())
              .searchManagedEntities("DistributedVirtualPortgroup")) {
        DistributedVirtualPortgroup pg = (DistributedVirtualPortgroup) e;
        pgNames.put(pg.getKey(), pg.getName());
      }
      Map<String, VlanSet> out = new TreeMap<>();
      for (ManagedEntity e :
          new InventoryNavigator(si.getRootFolder()).searchManagedEntities("HostSystem")) {
        String host = HOSTS.get(e.getName());
        if (host != null) {
          out.put(host, VlanSet.parse(PINNED));
        }
      }
      for (ManagedEntity e :
          new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine")) {
        VirtualMachine vm = (VirtualMachine) e;
        if (vm.getRuntime().getPowerState() != VirtualMachinePowerState.poweredOn) {
          continue;
        }
        String host =
            HOSTS.get(
                new HostSystem(si.getServerConnection(), vm.getRuntime().getHost()).getName());
        if (host == null) {
          continue;
        }
        for (VirtualDevice d : vm.getConfig().getHardware().getDevice()) {
          if (d instanceof VirtualEthernetCard card
              && card.getBacking()
                  instanceof VirtualEthernetCardDistributedVirtualPortBackingInfo b) {
            DistributedVirtualSwitchPortConnection port = b.getPort();
            Integer vlan = vlans.get(pgNames.get(port.getPortgroupKey()));
            if (vlan != null) {
              out.put(host, out.get(host).union(VlanSet.of(vlan)));
            }
          }
        }
      }
      return out;
    } finally {
      si.getServerConnection().logout();
    }
  }

  private List<String> vmsOn(String host) throws IOException {
    ServiceInstance si = new ServiceInstance(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD, false);
    try {
      List<String> out = new ArrayList<>();
      for (ManagedEntity e :
          new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine")) {
        VirtualMachine vm = (VirtualMachine) e;
        if (host.equals(
                new HostSystem(si.getServerConnection(), vm.getRuntime().getHost()).getName())
            && vm.getRuntime().getPowerState() == VirtualMachinePowerState.poweredOn) {
          out.add(vm.getName());
        }
      }
      out.sort(null);
      return out;
    } finally {
      si.getServerConnection().logout();
    }
  }

  /** What each agent's backend really has on its uplink ports (both must agree). */
  private Map<String, VlanSet> uplinks() {
    String dvsId = stack.dvsId("dvs1");
    Map<String, VlanSet> out = new TreeMap<>();
    for (int i = 0; i < stack.agentCount(); i++) {
      ManagedChannel ch = stack.agentChannel(i); // the manager's: mutual TLS
      String host = LocalStack.hostName(i);
      VlanSet carried = null;
      for (EffectivePort p :
          HostAgentServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build())
              .getBackendPortsList()) {
        if (!p.getKey().startsWith(host + ":uplink")) {
          continue;
        }
        VlanSet v =
            p.getPolicy().getBlocked()
                ? VlanSet.EMPTY
                : TrackerPlanner.vlansOf(p.getPolicy().getVlan());
        assertThat(carried).as("both uplinks of %s", host).isIn(null, v);
        carried = v;
      }
      if (carried != null) {
        out.put(host, carried);
      }
    }
    return out;
  }

  private VcenterStatus status(String name) {
    ManagedChannel ch =
        NettyChannelBuilder.forTarget(stack.managerEndpoint(), stack.operatorCredentials()).build();
    try {
      return VcenterServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getVcenterStatus(GetVcenterStatusRequest.newBuilder().setName(name).build())
          .getStatuses(0);
    } finally {
      ch.shutdownNow();
    }
  }

  private ShowVmTrackerResponse show() {
    ManagedChannel ch =
        NettyChannelBuilder.forTarget(stack.managerEndpoint(), stack.operatorCredentials()).build();
    try {
      return VmTrackerServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .showVmTracker(ShowVmTrackerRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
    }
  }

  private Cli.Run ok(String... args) {
    Cli.Run r = Cli.run(stack, args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }
}
