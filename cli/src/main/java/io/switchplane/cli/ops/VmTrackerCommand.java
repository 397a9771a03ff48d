package io.switchplane.cli.ops;

import io.switchplane.api.v1.HostUplinks;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.ShowVmTrackerRequest;
import io.switchplane.api.v1.ShowVmTrackerResponse;
import io.switchplane.api.v1.VmTrackerRow;
import io.switchplane.api.v1.VmTrackerServiceGrpc;
import io.switchplane.cli.output.Table;
import io.switchplane.common.model.VmTrackerRows;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane vmtracker`: what the VM tracker sees and provisions, like NX-OS's `show vmtracker
 * info detail`.
 */
@Command(
    name = "vmtracker",
    mixinStandardHelpOptions = true,
    description = {"What the VM tracker sees in vCenter " + "and provisions on host uplinks."},
    subcommands = {VmTrackerCommand.Show.class})
public final class VmTrackerCommand {
  private VmTrackerCommand() {}

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "VM by VM: host, port, port group, VLAN, "
            + "power state, and whether the VLAN is provisioned on the host's uplinks; then each host's uplinks."
      })
  static final class Show extends ManagerCommand {
    @Option(names = "--vcenter", paramLabel = "NAME", description = "Only this vCenter.")
    String vcenter = "";

    @Option(
        names = "--host",
        paramLabel = "HOST",
        description = "Only this host (vCenter or Switchplane name).")
    String host = "";

    @Option(
        names = "--vm",
        paramLabel = "VM",
        description = "Only this VM (name or instance uuid).")
    String vm = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ShowVmTrackerRequest request =
          ShowVmTrackerRequest.newBuilder().setVcenter(vcenter).setHost(host).setVm(vm).build();
      // One vCenter: its owner answers (a manager that does not run it names the owner). All: with
      // leadership per DVS each owner runs the trackers of its own DVSes, so every owner is asked.
      List<ManagerEntry> owners = vcenter.isEmpty() ? owningManagers(manager) : List.of();
      ShowVmTrackerResponse r =
          owners.isEmpty() ? vmTracker().showVmTracker(request) : merged(owners, request);
      if (printedAsData(r)) {
        return 0;
      }
      print(r, System.out);
      return 0;
    }

    /** Every owner's trackers in one answer, ordered as one manager orders its own. */
    private ShowVmTrackerResponse merged(List<ManagerEntry> owners, ShowVmTrackerRequest request) {
      List<VmTrackerRow> rows = new ArrayList<>();
      List<HostUplinks> hosts = new ArrayList<>();
      for (ManagerEntry m : owners) {
        ShowVmTrackerResponse part =
            onChannelTo(
                m.getEndpoint(),
                ch ->
                    VmTrackerServiceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .showVmTracker(request));
        rows.addAll(part.getRowsList());
        hosts.addAll(part.getHostsList());
      }
      rows.sort(VmTrackerRows.ORDER);
      return ShowVmTrackerResponse.newBuilder().addAllRows(rows).addAllHosts(hosts).build();
    }

    static void print(ShowVmTrackerResponse r, PrintStream out) {
      Table t =
          new Table(
              "HOST", "VM", "STATE", "NIC", "MAC", "PORT", "PORT-GROUP", "VLAN", "PROVISIONED");
      for (VmTrackerRow row : r.getRowsList()) {
        String host =
            row.getHost().isEmpty()
                ? row.getVcenterHost() + " (unmanaged)"
                : row.getHost().equals(row.getVcenterHost())
                    ? row.getHost()
                    : row.getHost() + " (" + row.getVcenterHost() + ")";
        String pg =
            row.getPortGroup().isEmpty() || row.getPortGroup().equals(row.getVcenterPortGroup())
                ? row.getVcenterPortGroup()
                : row.getVcenterPortGroup() + " -> " + row.getPortGroup();
        t.row(
            host,
            row.getVm(),
            state(row.getPowerState()),
            row.getNic(),
            row.getMac(),
            row.getPort().isEmpty() ? "-" : row.getPort(),
            pg,
            row.getVlans(),
            row.getProvisioned() ? "yes" : "no (" + row.getNote() + ")");
      }
      if (t.size() == 0) {
        out.println("no VMs tracked (add a vCenter with 'switchplane vcenter add')");
      } else {
        t.print(out);
      }
      if (r.getHostsCount() > 0) {
        out.println();
        Table h = new Table("HOST", "VMS-ON", "NEEDED", "PINNED", "UPLINKS CARRY", "IN-SYNC");
        for (HostUplinks u : r.getHostsList()) {
          h.row(
              u.getHost(),
              u.getVmsPoweredOn(),
              u.getNeededVlans(),
              u.getPinnedVlans(),
              u.getProvisionedVlans(),
              u.getInSync() ? "yes" : "no");
        }
        h.print(out);
      }
    }

    private static String state(String power) {
      return switch (power) {
        case "POWERED_ON" -> "on";
        case "POWERED_OFF" -> "off";
        case "SUSPENDED" -> "suspended";
        default -> power.toLowerCase();
      };
    }
  }
}
