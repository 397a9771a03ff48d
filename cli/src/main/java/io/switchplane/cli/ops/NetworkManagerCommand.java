package io.switchplane.cli.ops;

import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AddUserResponse;
import io.switchplane.api.v1.ListNetworksRequest;
import io.switchplane.api.v1.ListNetworksResponse;
import io.switchplane.api.v1.ListUsersRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.OperatorUser;
import io.switchplane.api.v1.OwnedNetwork;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PublishNetworkRequest;
import io.switchplane.api.v1.PublishNetworkResponse;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.WithdrawNetworkRequest;
import io.switchplane.api.v1.WithdrawNetworkResponse;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `switchplane netmgr ...`: network managers (external systems such as NSX, registered as users
 * with the network-manager role) and the networks they own. An admin registers one (`add`, which
 * prints its token) and anyone lists them and their networks; `publish` and `withdraw` are what the
 * network manager itself calls (with its own credentials), here for scripts and tests.
 */
@Command(
    name = "netmgr",
    aliases = "network-manager",
    mixinStandardHelpOptions = true,
    subcommands = {
      NetworkManagerCommand.Add.class,
      NetworkManagerCommand.ListManagers.class,
      NetworkManagerCommand.Networks.class,
      NetworkManagerCommand.Publish.class,
      NetworkManagerCommand.Withdraw.class
    },
    description = {
      "Network managers (such as NSX) and the networks they own. A network manager publishes a",
      "network into a DVS as a port group under its own unique id; operators attach ports to it,",
      "but only its owner changes or withdraws it."
    })
public final class NetworkManagerCommand {
  private NetworkManagerCommand() {}

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Register a network manager: a user with the network-manager role; prints its token once",
        "(or issue it a certificate with 'switchplane user csr/cert NAME')."
      })
  static final class Add extends ManagerCommand {
    @Parameters(
        paramLabel = "NAME",
        description = "Its name, the owner of its networks: 1-64 of a-z, 0-9, '.', '_', '-'.")
    String name;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      AddUserResponse r =
          users()
              .addUser(
                  AddUserRequest.newBuilder()
                      .setName(name)
                      .setRole(Role.ROLE_NETWORK_MANAGER)
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.println("added network manager " + r.getUser().getName());
      System.out.println("token (shown once): " + r.getToken());
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List network managers with how many networks each owns (admin: reads users).")
  static final class ListManagers extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      List<OperatorUser> managers =
          users().listUsers(ListUsersRequest.getDefaultInstance()).getUsersList().stream()
              .filter(u -> u.getRole() == Role.ROLE_NETWORK_MANAGER)
              .toList();
      Map<String, Long> owned =
          networkManagers()
              .listNetworks(ListNetworksRequest.getDefaultInstance())
              .getNetworksList()
              .stream()
              .collect(
                  Collectors.groupingBy(n -> n.getPortGroup().getOwner(), Collectors.counting()));
      if (data()) {
        System.out.println(
            render(
                io.switchplane.api.v1.ListUsersResponse.newBuilder()
                    .addAllUsers(managers)
                    .build()));
        return 0;
      }
      Table t = new Table("NAME", "NETWORKS", "ADDED", "BY");
      for (OperatorUser u : managers) {
        t.row(
            u.getName(),
            owned.getOrDefault(u.getName(), 0L),
            Describe.time(u.getCreatedUnixMs()),
            u.getCreatedBy());
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "networks",
      mixinStandardHelpOptions = true,
      description = "List the networks network managers own, with their DVS and attached ports.")
  static final class Networks extends ManagerCommand {
    @Option(names = "--owner", paramLabel = "NAME", description = "Only this one's networks.")
    String owner = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListNetworksResponse r =
          networkManagers().listNetworks(ListNetworksRequest.newBuilder().setOwner(owner).build());
      if (printedAsData(r)) {
        return 0;
      }
      Table t =
          new Table(
              "OWNER", "DVS", "NAME", "LOGICAL NETWORK", "PORTS", "POLICY (* = override allowed)");
      for (OwnedNetwork n : r.getNetworksList()) {
        PortGroup pg = n.getPortGroup();
        t.row(
            pg.getOwner(),
            n.getDvsName(),
            pg.getName(),
            pg.getLogicalNetworkId(),
            n.getPorts(),
            Describe.policy(pg.getPolicy()));
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "publish",
      mixinStandardHelpOptions = true,
      description =
          "As a network manager: publish a network into a DVS as a port group you own, under your"
              + " id.")
  static final class Publish extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "NAME", description = "Name, unique in the DVS.")
    String name;

    @Option(
        names = "--id",
        required = true,
        paramLabel = "UUID",
        description = "The network's logical network id, unique in the cluster.")
    String id;

    @Option(names = "--binding", description = "static or ephemeral (default static).")
    PortGroupCommand.Binding binding = PortGroupCommand.Binding.STATIC;

    @Option(names = "--num-ports", description = "Ports of a static port group (default 8).")
    int numPorts = 8;

    @Option(names = "--description", description = "Free text.")
    String description = "";

    @Mixin PolicyOptions policy;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PublishNetworkResponse r =
          networkManagers()
              .publishNetwork(
                  PublishNetworkRequest.newBuilder()
                      .setDvs(dvs)
                      .setLogicalNetworkId(id)
                      .setSettings(
                          PortGroup.newBuilder()
                              .setName(name)
                              .setBinding(PortBinding.valueOf("PORT_BINDING_" + binding))
                              .setNumPorts(numPorts)
                              .setDescription(description)
                              .setPolicy(policy.applyTo(Policy.getDefaultInstance())))
                      .build());
      System.out.println(
          data()
              ? render(r)
              : "published network "
                  + name
                  + " ("
                  + r.getPortGroup().getLogicalNetworkId()
                  + ") in DVS "
                  + dvs
                  + " at generation "
                  + r.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "withdraw",
      mixinStandardHelpOptions = true,
      description =
          "As a network manager: withdraw one of your networks (no port may be attached).")
  static final class Withdraw extends ManagerCommand {
    @Parameters(paramLabel = "UUID", description = "The network's logical network id.")
    String id;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      WithdrawNetworkResponse r =
          networkManagers()
              .withdrawNetwork(WithdrawNetworkRequest.newBuilder().setLogicalNetworkId(id).build());
      System.out.println(
          data() ? render(r) : "withdrew network " + id + " at generation " + r.getGeneration());
      return 0;
    }
  }
}
