package io.switchplane.cli.ops;

import io.switchplane.api.v1.FixNicAddressRequest;
import io.switchplane.api.v1.FixNicAddressResponse;
import io.switchplane.api.v1.ListNicRecordsRequest;
import io.switchplane.api.v1.ListNicRecordsResponse;
import io.switchplane.api.v1.ListSubnetsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Subnet;
import io.switchplane.cli.output.Table;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane nic ...`: the addresses VM NICs hold (NIC records). */
@Command(
    name = "nic",
    mixinStandardHelpOptions = true,
    description = "NIC records: which VM NIC holds which address of which subnet.",
    subcommands = {NicCommand.Fix.class, NicCommand.ListCmd.class})
public final class NicCommand {
  private NicCommand() {}

  @Command(
      name = "fix",
      mixinStandardHelpOptions = true,
      description = {
        "Record addresses an operator set on a VM NIC (where the guest tools report none). Each "
            + "must be in a subnet reachable from the NIC's port group and free; all or nothing."
      })
  static final class Fix extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "VM", description = "Instance UUID of the VM.")
    String vm;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IP", description = "Addresses.")
    List<String> addresses;

    @Option(names = "--mac", description = "MAC of the NIC; needed when the VM has several.")
    String mac = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      FixNicAddressResponse r =
          ipam()
              .fixNicAddress(
                  FixNicAddressRequest.newBuilder()
                      .setVmUuid(vm)
                      .setMac(mac)
                      .addAllAddresses(addresses)
                      .build());
      if (!printedAsData(r)) {
        for (NicRecord n : r.getRecordsList()) {
          System.out.println("recorded " + n.getAddress() + " on VM " + vm + " NIC " + n.getMac());
        }
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List NIC records.")
  static final class ListCmd extends ManagerCommand {
    @Option(names = "--subnet", description = "Only this subnet (name or id).")
    String subnet = "";

    @Option(names = "--vm", description = "Only this VM (instance UUID).")
    String vm = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListNicRecordsResponse r =
          ipam()
              .listNicRecords(
                  ListNicRecordsRequest.newBuilder().setSubnet(subnet).setVmUuid(vm).build());
      if (printedAsData(r)) {
        return 0;
      }
      Map<String, String> subnets =
          ipam().listSubnets(ListSubnetsRequest.getDefaultInstance()).getSubnetsList().stream()
              .collect(Collectors.toMap(Subnet::getId, Subnet::getName));
      SubnetCommand.NetworkNames networks = new SubnetCommand.NetworkNames(manager);
      Table t = new Table("ADDRESS", "SUBNET", "VM", "MAC", "NETWORK", "SOURCE", "BY");
      for (NicRecord n : r.getRecordsList()) {
        t.row(
            n.getAddress(),
            subnets.getOrDefault(n.getSubnetId(), n.getSubnetId()),
            !n.getVmkPortKey().isEmpty()
                ? "vmkernel port " + n.getVmkPortKey()
                : n.getVmUuid().isEmpty() ? "-" : n.getVmUuid(),
            n.getMac().isEmpty() ? "-" : n.getMac(),
            networks.of(n.getNetwork()),
            n.getSource().name().substring("ADDRESS_SOURCE_".length()).toLowerCase(Locale.ROOT),
            n.getCreatedBy());
      }
      print(t);
      return 0;
    }
  }
}
