package io.switchplane.cli.ops;

import io.switchplane.api.v1.AllocateAddressRequest;
import io.switchplane.api.v1.AllocateAddressResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.ReleaseAddressRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane ip ...`: allocate and release addresses of a subnet. */
@Command(
    name = "ip",
    mixinStandardHelpOptions = true,
    description = {
      "Allocate an address of a subnet, with the host and port group a new VM should use, or "
          + "release one. No address is ever handed out twice, whatever the number of clients "
          + "and managers."
    },
    subcommands = {IpCommand.Allocate.class, IpCommand.Release.class})
public final class IpCommand {
  private IpCommand() {}

  @Command(
      name = "allocate",
      mixinStandardHelpOptions = true,
      description = {
        "The next free address of a subnet, a host that carries one of its networks (the member "
            + "with the fewest ports on that network's DVS; ties: the default network, then host "
            + "name) and the guest's network configuration."
      })
  static final class Allocate extends ManagerCommand {
    @Option(names = "--subnet", required = true, description = "Name or id.")
    String subnet;

    @Option(names = "--vm", description = "Instance UUID of the VM the address is for.")
    String vm = "";

    @Option(names = "--mac", description = "MAC of the VM's NIC, when known.")
    String mac = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      AllocateAddressResponse r =
          ipam()
              .allocateAddress(
                  AllocateAddressRequest.newBuilder()
                      .setSubnet(subnet)
                      .setVmUuid(vm)
                      .setMac(mac)
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.println("address:    " + r.getAddressWithPrefix());
      System.out.println("gateway:    " + (r.getGateway().isEmpty() ? "-" : r.getGateway()));
      System.out.println("dns:        " + String.join(", ", r.getDnsServersList()));
      System.out.println(
          "host:       " + (r.getHost().isEmpty() ? "- (no DVS member)" : r.getHost()));
      System.out.println(
          "port group: " + new SubnetCommand.NetworkNames(manager).of(r.getNetwork()));
      return 0;
    }
  }

  @Command(name = "release", mixinStandardHelpOptions = true, description = "Free an address.")
  static final class Release extends ManagerCommand {
    @Option(names = "--subnet", required = true, description = "Name or id.")
    String subnet;

    @Parameters(index = "0", paramLabel = "IP", description = "The address.")
    String address;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      NicRecord r =
          ipam()
              .releaseAddress(
                  ReleaseAddressRequest.newBuilder().setSubnet(subnet).setAddress(address).build())
              .getRecord();
      System.out.println(
          data()
              ? render(r)
              : "released "
                  + r.getAddress()
                  + (r.getVmUuid().isEmpty() ? "" : " (VM " + r.getVmUuid() + ")"));
      return 0;
    }
  }
}
