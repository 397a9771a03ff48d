package io.switchplane.cli.ops;

import io.switchplane.api.v1.AddSubnetNetworkRequest;
import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.AddressRange;
import io.switchplane.api.v1.CreateSubnetRequest;
import io.switchplane.api.v1.CreateSubnetResponse;
import io.switchplane.api.v1.DeleteSubnetRequest;
import io.switchplane.api.v1.DetectedNetwork;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetSubnetRequest;
import io.switchplane.api.v1.GetSubnetResponse;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.ListConflictsRequest;
import io.switchplane.api.v1.ListConflictsResponse;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ListSubnetsRequest;
import io.switchplane.api.v1.ListSubnetsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RemoveSubnetNetworkRequest;
import io.switchplane.api.v1.RemoveSubnetNetworkResponse;
import io.switchplane.api.v1.Subnet;
import io.switchplane.api.v1.SubnetUsage;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane subnet ...`: IP subnets on L2 networks (port groups). */
@Command(
    name = "subnet",
    mixinStandardHelpOptions = true,
    description = {
      "IP subnets (IPv4 and IPv6) on L2 networks: a port group of a DVS, written DVS/PORTGROUP.",
      "Subnets reachable from one network never overlap; every manager serves these commands."
    },
    subcommands = {
      SubnetCommand.Create.class,
      SubnetCommand.ListCmd.class,
      SubnetCommand.Show.class,
      SubnetCommand.Usage.class,
      SubnetCommand.Conflicts.class,
      SubnetCommand.Delete.class,
      SubnetCommand.AddNetwork.class,
      SubnetCommand.RemoveNetwork.class
    })
public final class SubnetCommand {
  private SubnetCommand() {}

  /** "DVS/PORTGROUP" (names or ids) as a network reference. */
  static L2Network network(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw SwitchplaneException.invalid("'%s' is not DVS/PORTGROUP (e.g. dvs1/web)", text);
    }
    return L2Network.newBuilder()
        .setDvs(text.substring(0, slash))
        .setPortGroup(text.substring(slash + 1))
        .build();
  }

  /** Shows networks by name: "dvs1/web". */
  static final class NetworkNames {
    private final ManagerServiceBlockingStub manager;
    private Map<String, String> dvs;
    private final Map<String, Map<String, String>> portGroups = new HashMap<>();

    NetworkNames(ManagerServiceBlockingStub manager) {
      this.manager = manager;
    }

    String of(L2Network n) {
      if (dvs == null) {
        dvs =
            manager.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList().stream()
                .collect(Collectors.toMap(Dvs::getId, Dvs::getName));
      }
      String pg =
          portGroups
              .computeIfAbsent(n.getDvs(), id -> Names.portGroups(manager, id))
              .getOrDefault(n.getPortGroup(), n.getPortGroup());
      return dvs.getOrDefault(n.getDvs(), n.getDvs()) + "/" + pg;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a subnet on a network; refused when it overlaps one reachable there.")
  static final class Create extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Unique name.")
    String name;

    @Option(names = "--cidr", required = true, description = "e.g. 10.0.0.0/24, 2001:db8::/64.")
    String cidr;

    @Option(
        names = "--network",
        required = true,
        paramLabel = "DVS/PORTGROUP",
        description = "The default L2 network.")
    String network;

    @Option(names = "--gateway", description = "Gateway address (never allocated).")
    String gateway = "";

    @Option(
        names = "--range",
        paramLabel = "FIRST-LAST",
        description = "Allocation range (repeatable); none: the whole subnet.")
    List<String> ranges = new ArrayList<>();

    @Option(names = "--dns", description = "DNS server handed to guests (repeatable).")
    List<String> dns = new ArrayList<>();

    @Option(names = "--reserve", paramLabel = "IP", description = "Never allocate (repeatable).")
    List<String> reserved = new ArrayList<>();

    @Option(
        names = "--additional-network",
        paramLabel = "DVS/PORTGROUP",
        description = "Another network whose VMs may take addresses here (repeatable).")
    List<String> additional = new ArrayList<>();

    @Option(names = "--description", description = "Free text.")
    String description = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Subnet.Builder s =
          Subnet.newBuilder()
              .setName(name)
              .setCidr(cidr)
              .setGateway(gateway)
              .setNetwork(network(network))
              .addAllDnsServers(dns)
              .addAllReserved(reserved)
              .setDescription(description);
      for (String r : ranges) {
        int dash = r.indexOf('-');
        if (dash <= 0) {
          throw SwitchplaneException.invalid("--range '%s' is not FIRST-LAST", r);
        }
        s.addRanges(
            AddressRange.newBuilder()
                .setFirst(r.substring(0, dash))
                .setLast(r.substring(dash + 1)));
      }
      additional.forEach(a -> s.addAdditionalNetworks(network(a)));
      CreateSubnetResponse r =
          ipam().createSubnet(CreateSubnetRequest.newBuilder().setSubnet(s).build());
      Subnet made = r.getSubnet();
      if (data()) {
        // The subnet itself, as before; the detected networks are in it as additional networks.
        System.out.println(render(r.getDetectedCount() == 0 ? made : r));
        return 0;
      }
      System.out.println(
          "created subnet " + made.getName() + " " + made.getCidr() + " (id " + made.getId() + ")");
      NetworkNames names = new NetworkNames(manager);
      for (DetectedNetwork d : r.getDetectedList()) {
        System.out.println(
            "added additional network "
                + names.of(d.getNetwork())
                + ": VM "
                + (d.getVmName().isEmpty() ? d.getVmUuid() : d.getVmName())
                + " (MAC "
                + d.getMac()
                + ") there has "
                + d.getAddress());
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List subnets.")
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListSubnetsResponse r = ipam().listSubnets(ListSubnetsRequest.getDefaultInstance());
      if (printedAsData(r)) {
        return 0;
      }
      NetworkNames names = new NetworkNames(manager);
      Table t = new Table("NAME", "CIDR", "GATEWAY", "NETWORK", "ADDITIONAL NETWORKS");
      for (Subnet s : r.getSubnetsList()) {
        t.row(
            s.getName(),
            s.getCidr(),
            s.getGateway().isEmpty() ? "-" : s.getGateway(),
            names.of(s.getNetwork()),
            s.getAdditionalNetworksList().stream().map(names::of).collect(Collectors.joining(",")));
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "One subnet: ranges, DNS, networks and usage.")
  static final class Show extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "SUBNET", description = "Name or id.")
    String subnet;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetSubnetResponse r =
          ipam().getSubnet(GetSubnetRequest.newBuilder().setSubnet(subnet).build());
      if (printedAsData(r)) {
        return 0;
      }
      Subnet s = r.getSubnet();
      NetworkNames names = new NetworkNames(manager);
      System.out.println("name:         " + s.getName() + " (id " + s.getId() + ")");
      System.out.println("cidr:         " + s.getCidr());
      System.out.println("gateway:      " + (s.getGateway().isEmpty() ? "-" : s.getGateway()));
      System.out.println(
          "ranges:       "
              + (s.getRangesCount() == 0
                  ? "the whole subnet"
                  : s.getRangesList().stream()
                      .map(x -> x.getFirst() + "-" + x.getLast())
                      .collect(Collectors.joining(", "))));
      System.out.println("reserved:     " + String.join(", ", s.getReservedList()));
      System.out.println("dns:          " + String.join(", ", s.getDnsServersList()));
      System.out.println("network:      " + names.of(s.getNetwork()));
      System.out.println(
          "additional:   "
              + s.getAdditionalNetworksList().stream()
                  .map(names::of)
                  .collect(Collectors.joining(", ")));
      printUsage(r.getUsage());
      return 0;
    }
  }

  static void printUsage(SubnetUsage u) {
    System.out.println("used:         " + u.getUsed());
    System.out.println(
        "free:         " + u.getFree() + " of " + u.getAllocatable() + " allocatable");
    System.out.println(
        "conflicts:    "
            + u.getConflicts()
            + (u.getConflicts() == 0 ? "" : " ('switchplane subnet conflicts' lists them)"));
  }

  @Command(
      name = "conflicts",
      mixinStandardHelpOptions = true,
      description =
          "Addresses VMware Tools report that were not recorded: on two MACs, or differing from an"
              + " operator-fixed address.")
  static final class Conflicts extends ManagerCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SUBNET", description = "Name or id.")
    String subnet = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListConflictsResponse r =
          ipam().listConflicts(ListConflictsRequest.newBuilder().setSubnet(subnet).build());
      if (printedAsData(r)) {
        return 0;
      }
      if (r.getConflictsCount() == 0) {
        System.out.println("no conflicts");
      }
      for (AddressConflict c : r.getConflictsList()) {
        System.out.println(
            c.getAddress()
                + "  "
                + c.getKind().name().substring("KIND_".length()).toLowerCase(java.util.Locale.ROOT)
                + "  "
                + c.getDetail());
      }
      return 0;
    }
  }

  @Command(
      name = "usage",
      mixinStandardHelpOptions = true,
      description = "Used and free addresses of a subnet.")
  static final class Usage extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "SUBNET", description = "Name or id.")
    String subnet;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      SubnetUsage u =
          ipam().getSubnet(GetSubnetRequest.newBuilder().setSubnet(subnet).build()).getUsage();
      if (!printedAsData(u)) {
        printUsage(u);
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a subnet that holds no addresses.")
  static final class Delete extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "SUBNET", description = "Name or id.")
    String subnet;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ipam().deleteSubnet(DeleteSubnetRequest.newBuilder().setSubnet(subnet).build());
      System.out.println(data() ? "{}" : "deleted subnet " + subnet);
      return 0;
    }
  }

  @Command(
      name = "add-network",
      mixinStandardHelpOptions = true,
      description = "Let VMs on another network take addresses from the subnet.")
  static final class AddNetwork extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "SUBNET", description = "Name or id.")
    String subnet;

    @Parameters(index = "1", paramLabel = "DVS/PORTGROUP", description = "The network.")
    String network;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Subnet s =
          ipam()
              .addSubnetNetwork(
                  AddSubnetNetworkRequest.newBuilder()
                      .setSubnet(subnet)
                      .setNetwork(network(network))
                      .build())
              .getSubnet();
      System.out.println(
          data() ? render(s) : "subnet " + s.getName() + " is reachable from " + network);
      return 0;
    }
  }

  @Command(
      name = "remove-network",
      mixinStandardHelpOptions = true,
      description =
          "Remove an additional network; NIC records on it keep their addresses, its VMs take no new ones.")
  static final class RemoveNetwork extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "SUBNET", description = "Name or id.")
    String subnet;

    @Parameters(index = "1", paramLabel = "DVS/PORTGROUP", description = "The network.")
    String network;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      RemoveSubnetNetworkResponse r =
          ipam()
              .removeSubnetNetwork(
                  RemoveSubnetNetworkRequest.newBuilder()
                      .setSubnet(subnet)
                      .setNetwork(network(network))
                      .build());
      if (!printedAsData(r)) {
        System.out.println(
            "subnet "
                + r.getSubnet().getName()
                + " is no longer reachable from "
                + network
                + "; "
                + r.getRecordsKept()
                + " NIC record(s) there keep their addresses");
      }
      return 0;
    }
  }
}
