package io.switchplane.cli.ops;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortGroupResponse;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetPortGroupResponse;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ListPortGroupsResponse;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.UpdatePortGroupResponse;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane portgroup ...`: the L2 networks of a DVS. */
@Command(
    name = "portgroup",
    description = "Create, list, change and delete port groups (L2 networks).",
    mixinStandardHelpOptions = true,
    subcommands = {
      PortGroupCommand.Create.class,
      PortGroupCommand.Update.class,
      PortGroupCommand.ListCmd.class,
      PortGroupCommand.Show.class,
      PortGroupCommand.Delete.class
    })
public final class PortGroupCommand {
  /**
   * The network manager owning a port group (its settings are read-only to operators), "-" for
   * operators' port groups.
   */
  static String owner(PortGroup pg) {
    return pg.getOwner().isEmpty() ? "-" : pg.getOwner();
  }

  /** How ports of a port group are bound, as typed on the command line. */
  enum Binding {
    STATIC,
    EPHEMERAL
  }

  @Command(name = "create", description = "Create a port group.", mixinStandardHelpOptions = true)
  static final class Create extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "NAME", description = "Name, unique in the DVS.")
    String name;

    @Option(names = "--binding", description = "static or ephemeral (default static).")
    Binding binding = Binding.STATIC;

    @Option(names = "--num-ports", description = "Ports of a static port group (default 8).")
    int numPorts = 8;

    @Option(
        names = "--auto-expand",
        description = "Grow a static port group when its ports run out.")
    boolean autoExpand;

    @Option(names = "--description", description = "Free text.")
    String description = "";

    @Mixin PolicyOptions policy;

    @Mixin WriteOptions write;
    @Mixin MayExist mayExist;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PortGroup pg =
          PortGroup.newBuilder()
              .setName(name)
              .setBinding(PortBinding.valueOf("PORT_BINDING_" + binding))
              .setNumPorts(numPorts)
              .setAutoExpand(autoExpand)
              .setDescription(description)
              .setPolicy(policy.applyTo(Policy.getDefaultInstance()))
              .build();
      Optional<CreatePortGroupResponse> created =
          write.create(
              this,
              manager,
              dvs,
              ChangeOp.newBuilder().setCreatePortGroup(pg).build(),
              expected ->
                  manager.createPortGroup(
                      CreatePortGroupRequest.newBuilder()
                          .setDvs(dvs)
                          .setPortGroup(pg)
                          .setExpectedGeneration(expected)
                          .build()),
              mayExist,
              "port group " + name + " of DVS " + dvs,
              d -> {
                PortGroup existing =
                    manager
                        .getPortGroup(
                            GetPortGroupRequest.newBuilder().setDvs(dvs).setPortGroup(name).build())
                        .getPortGroup();
                d.check(
                        "binding",
                        Describe.binding(pg.getBinding()),
                        Describe.binding(existing.getBinding()))
                    .checkGiven(
                        "ports",
                        binding == Binding.STATIC && !autoExpand,
                        numPorts,
                        existing.getNumPorts())
                    .check("auto-expand", autoExpand, existing.getAutoExpand())
                    .check("description", description, existing.getDescription())
                    .check("policy", pg.getPolicy(), existing.getPolicy());
              });
      if (created.isEmpty()) {
        return 0;
      }
      CreatePortGroupResponse r = created.get();
      System.out.println(
          data()
              ? render(r)
              : "created port group "
                  + name
                  + " ("
                  + r.getPortGroup().getId()
                  + "), DVS generation "
                  + r.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "update",
      description = {
        "Change a port group; unspecified settings stay. Only the settings given are sent (an"
            + " update mask), expecting the generation they were read at: a change made meanwhile"
            + " makes it fail with ABORTED instead of being overwritten."
      },
      mixinStandardHelpOptions = true)
  static final class Update extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "PORTGROUP", description = "Port group name or id.")
    String portGroup;

    @Option(names = "--rename", paramLabel = "NAME", description = "New name.")
    String rename;

    @Option(names = "--num-ports", description = "Ports of a static port group.")
    Integer numPorts;

    @Option(names = "--description", description = "Free text.")
    String description;

    @Mixin PolicyOptions policy;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetPortGroupResponse read =
          manager.getPortGroup(
              GetPortGroupRequest.newBuilder().setDvs(dvs).setPortGroup(portGroup).build());
      PortGroup current = read.getPortGroup();
      PortGroup.Builder next = current.toBuilder().setPolicy(policy.applyTo(current.getPolicy()));
      List<String> mask = new ArrayList<>(policy.maskPaths("policy"));
      if (rename != null) {
        next.setName(rename);
        mask.add("name");
      }
      if (numPorts != null) {
        next.setNumPorts(numPorts);
        mask.add("num_ports");
      }
      if (description != null) {
        next.setDescription(description);
        mask.add("description");
      }
      PortGroupUpdate update =
          PortGroupUpdate.newBuilder()
              .setPortGroup(current.getId())
              .setSettings(next)
              .setUpdateMask(WriteOptions.mask(mask, "portgroup update"))
              .build();
      if (write.previewed(
          this,
          manager,
          dvs,
          ChangeOp.newBuilder().setUpdatePortGroup(update).build(),
          read.getGeneration())) {
        return 0;
      }
      UpdatePortGroupResponse r =
          manager.updatePortGroup(
              UpdatePortGroupRequest.newBuilder()
                  .setDvs(dvs)
                  .setPortGroup(update.getPortGroup())
                  .setSettings(update.getSettings())
                  .setUpdateMask(update.getUpdateMask())
                  .setExpectedGeneration(write.expected(read.getGeneration()))
                  .build());
      System.out.println(
          data()
              ? render(r)
              : r.getUnchanged()
                  ? WriteOptions.nothingToChange(
                      "port group " + r.getPortGroup().getName(), r.getGeneration())
                  : "updated port group "
                      + r.getPortGroup().getName()
                      + ", DVS generation "
                      + r.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "list",
      description = "List the port groups of a DVS.",
      mixinStandardHelpOptions = true)
  static final class ListCmd extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListPortGroupsResponse r =
          manager.listPortGroups(ListPortGroupsRequest.newBuilder().setDvs(dvs).build());
      if (printedAsData(r)) {
        return 0;
      }
      Map<String, Long> used =
          manager
              .listPorts(ListPortsRequest.newBuilder().setDvs(dvs).build())
              .getPortsList()
              .stream()
              .collect(Collectors.groupingBy(Port::getPortGroupId, Collectors.counting()));
      Table t =
          new Table(
                  "NAME",
                  "ID",
                  "BINDING",
                  "PORTS",
                  "CAPACITY",
                  "POLICY (* = override allowed)",
                  "LOGICAL NETWORK",
                  "OWNER")
              .wideOnly("ID");
      for (PortGroup pg : r.getPortGroupsList()) {
        t.row(
            pg.getName(),
            pg.getId(),
            Describe.binding(pg.getBinding()),
            used.getOrDefault(pg.getId(), 0L),
            Describe.capacity(pg),
            Describe.policy(pg.getPolicy()),
            pg.getLogicalNetworkId(),
            owner(pg));
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "show",
      description = "Show one port group with its logical network id.",
      mixinStandardHelpOptions = true)
  static final class Show extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "PORTGROUP", description = "Port group name or id.")
    String portGroup;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetPortGroupResponse r =
          manager.getPortGroup(
              GetPortGroupRequest.newBuilder().setDvs(dvs).setPortGroup(portGroup).build());
      if (printedAsData(r)) {
        return 0;
      }
      PortGroup pg = r.getPortGroup();
      System.out.printf(
          "name:            %s%nid:              %s%nlogical network: %s%nowner:           %s%n"
              + "binding:         %s%ncapacity:        %s%npolicy:          %s%n",
          pg.getName(),
          pg.getId(),
          pg.getLogicalNetworkId(),
          owner(pg),
          Describe.binding(pg.getBinding()),
          Describe.capacity(pg),
          Describe.policy(pg.getPolicy()));
      if (!pg.getDescription().isEmpty()) {
        System.out.println("description:     " + pg.getDescription());
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      description = "Delete a port group that no port uses.",
      mixinStandardHelpOptions = true)
  static final class Delete extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "PORTGROUP", description = "Port group name or id.")
    String portGroup;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (write.previewed(
          this, manager, dvs, ChangeOp.newBuilder().setDeletePortGroup(portGroup).build(), 0)) {
        return 0;
      }
      long generation =
          manager
              .deletePortGroup(
                  DeletePortGroupRequest.newBuilder()
                      .setDvs(dvs)
                      .setPortGroup(portGroup)
                      .setExpectedGeneration(write.expected(0))
                      .build())
              .getGeneration();
      System.out.println("deleted port group " + portGroup + ", DVS generation " + generation);
      return 0;
    }
  }
}
