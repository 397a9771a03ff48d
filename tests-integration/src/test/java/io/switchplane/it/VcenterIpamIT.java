package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.bench.vcsim.VcSim;
import io.switchplane.bench.vcsim.VcenterOperator;
import io.switchplane.cli.run.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NIC records from VMware Tools' addresses end to end: govmomi's vCenter simulator (guest addresses
 * set through the vSphere API, ReconfigVM_Task "SET.guest.ipAddress"), the VM tracker's inventory
 * sync, the leader's NIC-record sync and the CLI. Subnets are made before and after the guests
 * report addresses; a subnet made later detects the other network its VMs use; an address on two
 * MACs and a guest address differing from an operator's fixed one are reported and never recorded;
 * a removed VM's records are released, a powered-off one's kept; VM NIC ports carry their records'
 * addresses, also after a snapshot restore.
 */
class VcenterIpamIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private VcSim vcsim;
  private LocalStack stack;
  private VcenterOperator vc;
  private List<String> vms;

  @BeforeEach
  void setUp() throws IOException {
    vcsim = VcSim.start(dir.resolve("vcsim"), new VcSim.Size(1, 3, 2, 0, 2));
    vc = VcenterOperator.connect(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD);
    vms = vc.vmNames().stream().sorted().toList();
    assertThat(vms).hasSize(6);
    stack = LocalStack.start(dir.resolve("stack"), 0, 0, 0);
    ok("dvs", "create", "dvs1");
    ok("portgroup", "create", "dvs1", "DC0_DVPG0");
    ok("portgroup", "create", "dvs1", "DC0_DVPG1");
    Path pw = dir.resolve("vc.pw");
    Files.writeString(pw, VcSim.PASSWORD + "\n");
    ok(
        "vcenter",
        "add",
        "vc1",
        "--url",
        vcsim.sdkUrl().toString(),
        "--user",
        VcSim.USER,
        "--password-file",
        pw.toString(),
        "--dvs",
        "dvs1");
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
  void guestAddressesBecomeRecordsConflictsAreReportedNetworksDetected() throws IOException {
    String a = vms.get(0);
    String b = vms.get(1);
    String c = vms.get(2);
    String d = vms.get(3);
    String e = vms.get(4);
    String f = vms.get(5);
    Map.Entry<String, String> nicA = vc.nicOf(a);
    Map.Entry<String, String> nicF = vc.nicOf(f);

    // A subnet made before any guest reports an address.
    ok("subnet", "create", "net0", "--cidr", "10.10.0.0/24", "--network", "dvs1/DC0_DVPG0");
    vc.setGuestIp(a, "10.10.0.11");
    vc.setGuestIp(b, "10.10.0.12");
    awaitRecords("net0", "10.10.0.11", "10.10.0.12");
    assertThat(ok("nic", "list", "--subnet", "net0", "--output", "json").out())
        .contains(nicA.getKey(), nicA.getValue().toLowerCase(java.util.Locale.ROOT))
        .contains("ADDRESS_SOURCE_GUEST_TOOLS");

    // The same address on a second MAC: reported, never recorded twice; the holder keeps it.
    vc.setGuestIp(c, "10.10.0.11");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok("subnet", "conflicts", "net0").out())
                    .contains("10.10.0.11", "two_macs", "held by VM " + nicA.getKey(), c));
    assertThat(ok("subnet", "usage", "net0").out()).contains("used:         2", "conflicts:    1");
    assertThat(ok("events").out()).contains("10.10.0.11");
    assertThat(records("net0")).containsOnlyOnce("\"10.10.0.11\"");

    // A VM on the other network reports an address of a subnet made afterwards: that network is
    // detected and added, with the VM and address that made it, and the address is recorded.
    vc.setGuestIp(d, "10.20.0.5");
    vc.moveNic(d, "DC0_DVPG1"); // seen after the address: both are updates of the VM
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok("vmtracker", "show", "--output", "json").out())
                    .contains("DC0_DVPG1"));
    Cli.Run made =
        ok("subnet", "create", "net1", "--cidr", "10.20.0.0/24", "--network", "dvs1/DC0_DVPG0");
    assertThat(made.out())
        .contains("added additional network dvs1/DC0_DVPG1: VM " + d)
        .contains("10.20.0.5");
    assertThat(ok("subnet", "show", "net1").out()).contains("additional:   dvs1/DC0_DVPG1");
    awaitRecords("net1", "10.20.0.5");

    // IPv6.
    ok("subnet", "create", "v6", "--cidr", "2001:db8:1::/64", "--network", "dvs1/DC0_DVPG0");
    vc.setGuestIp(e, "2001:DB8:1:0::5");
    awaitRecords("v6", "2001:db8:1::5");

    // An operator's fixed address wins over the guest's; the difference is reported.
    ok(
        "port",
        "create",
        "dvs1",
        "p-f",
        "--portgroup",
        "DC0_DVPG0",
        "--vm",
        nicF.getKey(),
        "--mac",
        nicF.getValue());
    ok("nic", "fix", nicF.getKey(), "10.10.0.50");
    vc.setGuestIp(f, "10.10.0.51");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok("subnet", "conflicts", "net0").out())
                    .contains("10.10.0.51", "differs_from_fixed", "fixed to 10.10.0.50"));
    assertThat(records("net0")).doesNotContain("10.10.0.51");

    // VM NIC ports carry their records' addresses (io.switchplane.ipam/addresses).
    ok(
        "port",
        "create",
        "dvs1",
        "p-a",
        "--portgroup",
        "DC0_DVPG0",
        "--vm",
        nicA.getKey(),
        "--mac",
        nicA.getValue());
    awaitPortAddresses("p-a", "10.10.0.11");
    awaitPortAddresses("p-f", "10.10.0.50");

    // A restored snapshot keeps the records and the ports' addresses.
    ok("snapshot", "create", "dvs1", "--name", "with-addresses");
    ok("port", "delete", "dvs1", "p-a");
    ok("snapshot", "restore", "with-addresses", "--dvs", "dvs1", "--mode", "same-dvs");
    awaitPortAddresses("p-a", "10.10.0.11");
    awaitRecords("net0", "10.10.0.11", "10.10.0.12", "10.10.0.50");

    // Power-off keeps a VM's records; removal releases them.
    vc.powerOff(a);
    vc.deleteVm(b);
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(records("net0")).doesNotContain("\"10.10.0.12\""));
    assertThat(records("net0")).contains("\"10.10.0.11\"");
  }

  private String records(String subnet) {
    return ok("nic", "list", "--subnet", subnet, "--output", "json").out();
  }

  private void awaitRecords(String subnet, String... addresses) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String out = records(subnet);
              for (String address : addresses) {
                assertThat(out).contains("\"" + address + "\"");
              }
            });
  }

  private void awaitPortAddresses(String port, String value) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok("prop", "get", "dvs1/port/" + port).out())
                    .contains("io.switchplane.ipam", "addresses", value));
  }

  private Cli.Run ok(String... args) {
    Cli.Run r = Cli.run(stack, args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }
}
