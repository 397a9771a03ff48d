package io.switchplane.cli.ops;

import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.CreatePortResponse;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListPortsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.UpdatePortRequest;
import io.switchplane.api.v1.UpdatePortResponse;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.api.v1.VmNic;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.api.v1.VmkService;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane port ...`: ports, where they are placed and what is connected. */
@Command(
    name = "port",
    description = "Create, list, change and delete ports.",
    mixinStandardHelpOptions = true,
    subcommands = {
      PortCommand.Create.class,
      PortCommand.Update.class,
      PortCommand.ListCmd.class,
      PortCommand.Delete.class
    })
public final class PortCommand {

  /** Placement and connectee flags shared by create and update. */
  static final class Placement {
    @Option(
        names = {"--portgroup", "-g"},
        paramLabel = "PORTGROUP",
        description = "Port group name or id.")
    String portGroup;

    @Option(
        names = "--host",
        paramLabel = "HOST",
        description = "Member host where the connectee runs (name or id).")
    String host;

    @Option(
        names = "--vm",
        paramLabel = "UUID",
        description = "Connect a VM NIC: the VM's instance UUID (with --mac).")
    String vm;

    @Option(
        names = "--mac",
        paramLabel = "MAC",
        description = "MAC of the connected NIC, xx:xx:xx:xx:xx:xx.")
    String mac;

    @Option(
        names = "--vmk",
        paramLabel = "DEVICE",
        description = "Connect a VMkernel NIC, e.g. vmk0.")
    String vmk;

    @Option(
        names = "--services",
        split = ",",
        paramLabel = "SERVICE",
        description = "Services of the VMkernel NIC: management, vmotion, storage.")
    List<String> services = List.of();

    @Option(
        names = "--uplink-nic",
        paramLabel = "UPLINK",
        description =
            "Make the port the host's physical NIC of this DVS uplink (the NIC given by dvs add-host --nic).")
    String uplinkNic;

    @Option(names = "--disconnect", description = "Remove the connectee.")
    boolean disconnect;

    /** The update_mask paths of exactly the flags given. */
    List<String> maskPaths() {
      List<String> out = new ArrayList<>();
      if (portGroup != null) {
        out.add("port_group_id");
      }
      if (host != null) {
        out.add("host_id");
      }
      if (disconnect || vm != null || uplinkNic != null || vmk != null) {
        out.add("connectee");
      }
      return out;
    }

    Port.Builder applyTo(Port.Builder port) {
      if (portGroup != null) {
        port.setPortGroupId(portGroup);
      }
      if (host != null) {
        port.setHostId(host);
      }
      if (disconnect) {
        port.clearConnectee();
      } else if (vm != null) {
        port.setConnectee(
            Connectee.newBuilder()
                .setVmNic(VmNic.newBuilder().setVmUuid(vm).setMac(mac == null ? "" : mac)));
      } else if (uplinkNic != null) {
        port.setConnectee(
            Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink(uplinkNic)));
      } else if (vmk != null) {
        VmkNic.Builder nic = VmkNic.newBuilder().setDevice(vmk).setMac(mac == null ? "" : mac);
        for (String s : services) {
          try {
            nic.addServices(VmkService.valueOf("VMK_SERVICE_" + s.toUpperCase()));
          } catch (IllegalArgumentException e) {
            throw SwitchplaneException.invalid(
                "unknown VMkernel service '%s': use management, vmotion or storage", s);
          }
        }
        port.setConnectee(Connectee.newBuilder().setVmkNic(nic));
      }
      return port;
    }
  }

  @Command(name = "create", description = "Create a port.", mixinStandardHelpOptions = true)
  static final class Create extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "KEY", description = "Port key, unique in the DVS.")
    String key;

    @Mixin Placement placement;

    @Mixin PolicyOptions policy;

    @Mixin WriteOptions write;
    @Mixin MayExist mayExist;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (placement.portGroup == null) {
        throw SwitchplaneException.invalid("a port needs a port group: give --portgroup NAME");
      }
      Port port =
          placement
              .applyTo(Port.newBuilder().setKey(key))
              .setPolicy(policy.applyTo(Policy.getDefaultInstance()))
              .build();
      if (write.previewed(
          this, manager, dvs, ChangeOp.newBuilder().setCreatePort(port).build(), 0)) {
        return 0;
      }
      CreatePortResponse r;
      try {
        r =
            manager.createPort(
                CreatePortRequest.newBuilder()
                    .setDvs(dvs)
                    .setPort(port)
                    .setExpectedGeneration(write.expected(0))
                    .build());
      } catch (StatusRuntimeException e) {
        return mayExist.existing(
            e,
            "port " + key + " of DVS " + dvs,
            data(),
            d -> {
              Port existing = find(manager, dvs, key);
              Map<String, String> groups = Names.portGroups(manager, dvs);
              Map<String, String> hosts = Names.hosts(manager);
              d.check(
                      "port group",
                      true,
                      port.getPortGroupId().equals(existing.getPortGroupId())
                          || port.getPortGroupId().equals(groups.get(existing.getPortGroupId())))
                  .check(
                      "host",
                      true,
                      port.getHostId().equals(existing.getHostId())
                          || port.getHostId().equals(hosts.get(existing.getHostId())))
                  .check("connectee", port.getConnectee(), existing.getConnectee())
                  .check("policy", port.getPolicy(), existing.getPolicy());
            });
      }
      System.out.println(
          data() ? render(r) : "created port " + key + ", DVS generation " + r.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "update",
      description = {
        "Change a port; unspecified settings stay. Only the settings given are sent (an update"
            + " mask), expecting the generation they were read at: a change made meanwhile makes it"
            + " fail with ABORTED instead of being overwritten."
      },
      mixinStandardHelpOptions = true)
  static final class Update extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "KEY", description = "Port key.")
    String key;

    @Mixin Placement placement;

    @Mixin PolicyOptions policy;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListPortsResponse read = manager.listPorts(ListPortsRequest.newBuilder().setDvs(dvs).build());
      Port current =
          read.getPortsList().stream()
              .filter(p -> p.getKey().equals(key))
              .findFirst()
              .orElseThrow(
                  () -> SwitchplaneException.notFound("port '%s' not found in DVS '%s'", key, dvs));
      Port next =
          placement
              .applyTo(current.toBuilder())
              .setPolicy(policy.applyTo(current.getPolicy()))
              .build();
      List<String> mask = new ArrayList<>(placement.maskPaths());
      mask.addAll(policy.maskPaths("policy"));
      PortUpdate update =
          PortUpdate.newBuilder()
              .setKey(key)
              .setSettings(next)
              .setUpdateMask(WriteOptions.mask(mask, "port update"))
              .build();
      if (write.previewed(
          this,
          manager,
          dvs,
          ChangeOp.newBuilder().setUpdatePort(update).build(),
          read.getGeneration())) {
        return 0;
      }
      UpdatePortResponse r =
          manager.updatePort(
              UpdatePortRequest.newBuilder()
                  .setDvs(dvs)
                  .setKey(key)
                  .setSettings(next)
                  .setUpdateMask(update.getUpdateMask())
                  .setExpectedGeneration(write.expected(read.getGeneration()))
                  .build());
      System.out.println(
          data()
              ? render(r)
              : r.getUnchanged()
                  ? WriteOptions.nothingToChange("port " + key, r.getGeneration())
                  : "updated port " + key + ", DVS generation " + r.getGeneration());
      return 0;
    }
  }

  @Command(name = "list", description = "List ports of a DVS.", mixinStandardHelpOptions = true)
  static final class ListCmd extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Option(names = "--host", description = "Only ports on this host.")
    String host = "";

    @Option(
        names = {"--portgroup", "-g"},
        description = "Only ports in this port group.")
    String portGroup = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListPortsResponse r =
          manager.listPorts(
              ListPortsRequest.newBuilder()
                  .setDvs(dvs)
                  .setHost(host)
                  .setPortGroup(portGroup)
                  .build());
      if (printedAsData(r)) {
        return 0;
      }
      Map<String, String> hosts = Names.hosts(manager);
      Map<String, String> groups = Names.portGroups(manager, dvs);
      Table t = new Table("KEY", "PORTGROUP", "HOST", "CONNECTEE", "OVERRIDES");
      for (Port p : r.getPortsList()) {
        t.row(
            p.getKey(),
            groups.getOrDefault(p.getPortGroupId(), p.getPortGroupId()),
            p.getHostId().isEmpty() ? "-" : hosts.getOrDefault(p.getHostId(), p.getHostId()),
            Describe.connectee(p.getConnectee()),
            Describe.policy(p.getPolicy()));
      }
      print(t);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a port.", mixinStandardHelpOptions = true)
  static final class Delete extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "KEY", description = "Port key.")
    String key;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (write.previewed(
          this, manager, dvs, ChangeOp.newBuilder().setDeletePort(key).build(), 0)) {
        return 0;
      }
      long generation =
          manager
              .deletePort(
                  DeletePortRequest.newBuilder()
                      .setDvs(dvs)
                      .setKey(key)
                      .setExpectedGeneration(write.expected(0))
                      .build())
              .getGeneration();
      System.out.println("deleted port " + key + ", DVS generation " + generation);
      return 0;
    }
  }

  /** The port key of dvs; NOT_FOUND when there is none. */
  static Port find(ManagerServiceBlockingStub manager, String dvs, String key) {
    return manager
        .listPorts(ListPortsRequest.newBuilder().setDvs(dvs).build())
        .getPortsList()
        .stream()
        .filter(p -> p.getKey().equals(key))
        .findFirst()
        .orElseThrow(
            () -> SwitchplaneException.notFound("port '%s' not found in DVS '%s'", key, dvs));
  }
}
