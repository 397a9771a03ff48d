package io.switchplane.cli.ops;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.CreatePortResponse;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListPortsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
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
import io.switchplane.common.model.PolicyResolver;
import io.switchplane.common.properties.PropertyKey;
import io.switchplane.common.properties.PropertyResolver;
import io.switchplane.common.text.EnumLabels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
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
      PortCommand.Show.class,
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
        names = "--address",
        paramLabel = "ADDRESS/PREFIX",
        description = "Address of the VMkernel NIC with its prefix length, e.g. 192.168.50.11/24.")
    String address;

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
        VmkNic.Builder nic =
            VmkNic.newBuilder()
                .setDevice(vmk)
                .setMac(mac == null ? "" : mac)
                .setAddress(address == null ? "" : address);
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
      Optional<CreatePortResponse> created =
          write.create(
              this,
              manager,
              dvs,
              ChangeOp.newBuilder().setCreatePort(port).build(),
              expected ->
                  manager.createPort(
                      CreatePortRequest.newBuilder()
                          .setDvs(dvs)
                          .setPort(port)
                          .setExpectedGeneration(expected)
                          .build()),
              mayExist,
              "port " + key + " of DVS " + dvs,
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
      if (created.isEmpty()) {
        return 0;
      }
      CreatePortResponse r = created.get();
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
  @Command(
      name = "show",
      description = {
        "Show a port and its effective policy and properties.",
        "--explain: for every effective field and property, the level it came from (DVS, port"
            + " group, port, built-in default), whether that level lets lower levels override it,"
            + " and where a lower level's value was ignored."
      },
      mixinStandardHelpOptions = true)
  static final class Show extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "PORT", description = "Port key.")
    String key;

    @Option(names = "--explain", description = "Say where each effective value comes from.")
    boolean explain;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Dvs d = manager.getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build()).getDvs();
      Port port = find(manager, dvs, key);
      PortGroup pg =
          manager
              .getPortGroup(
                  GetPortGroupRequest.newBuilder()
                      .setDvs(d.getId())
                      .setPortGroup(port.getPortGroupId())
                      .build())
              .getPortGroup();
      EffectivePolicy effective = PolicyResolver.resolve(d, pg.getPolicy(), port.getPolicy());
      List<PolicyResolver.Origin> origins =
          PolicyResolver.explain(d, pg.getPolicy(), port.getPolicy());
      SortedMap<PropertyKey, PropertyResolver.Resolved> properties =
          PropertyResolver.forPort(d, pg, port);
      if (data()) {
        System.out.println(render(asData(port, effective, origins, properties)));
        return 0;
      }
      Map<String, String> hosts = Names.hosts(manager);
      System.out.println("port        " + port.getKey());
      System.out.println("port group  " + pg.getName());
      System.out.println(
          "host        "
              + (port.getHostId().isEmpty()
                  ? "-"
                  : hosts.getOrDefault(port.getHostId(), port.getHostId())));
      System.out.println("connectee   " + Describe.connectee(port.getConnectee()));
      System.out.println("overrides   " + Describe.policy(port.getPolicy()));
      if (!explain) {
        System.out.println("effective   " + Describe.effective(effective));
        properties.forEach(
            (k, v) -> System.out.println("property    " + k + " = " + v.value().toStringUtf8()));
        return 0;
      }
      System.out.println();
      Table t = new Table("FIELD", "VALUE", "FROM", "LOWER MAY OVERRIDE", "NOTE");
      for (PolicyResolver.Origin o : origins) {
        t.row(
            o.field(),
            Describe.field(effective, o.field()),
            from(o.source()),
            o.overrideAllowed() ? "yes" : "no",
            o.ignoredBelow() ? "a lower level's value is ignored (locked here)" : "");
      }
      for (Map.Entry<PropertyKey, PropertyResolver.Resolved> e : properties.entrySet()) {
        t.row(
            e.getKey().toString(),
            e.getValue().value().toStringUtf8(),
            EnumLabels.of(e.getValue().level(), "ENTITY_KIND_").replace('-', ' '),
            "yes",
            "property");
      }
      print(t);
      return 0;
    }

    private static String from(PolicyResolver.Source source) {
      return switch (source) {
        case DVS -> "dvs";
        case PORT_GROUP -> "port group";
        case PORT -> "port";
        case BUILT_IN_DEFAULT -> "built-in default";
      };
    }

    /** The same answer as data, for -o json|yaml. */
    private static Struct asData(
        Port port,
        EffectivePolicy effective,
        List<PolicyResolver.Origin> origins,
        SortedMap<PropertyKey, PropertyResolver.Resolved> properties) {
      ListValue.Builder fields = ListValue.newBuilder();
      for (PolicyResolver.Origin o : origins) {
        fields.addValues(
            Value.newBuilder()
                .setStructValue(
                    Struct.newBuilder()
                        .putFields("field", text(o.field()))
                        .putFields("value", text(Describe.field(effective, o.field())))
                        .putFields("from", text(from(o.source())))
                        .putFields(
                            "overrideAllowed",
                            Value.newBuilder().setBoolValue(o.overrideAllowed()).build())
                        .putFields(
                            "ignoredBelow",
                            Value.newBuilder().setBoolValue(o.ignoredBelow()).build())));
      }
      ListValue.Builder props = ListValue.newBuilder();
      properties.forEach(
          (k, v) ->
              props.addValues(
                  Value.newBuilder()
                      .setStructValue(
                          Struct.newBuilder()
                              .putFields("property", text(k.toString()))
                              .putFields("value", text(v.value().toStringUtf8()))
                              .putFields("from", text(EnumLabels.of(v.level(), "ENTITY_KIND_"))))));
      return Struct.newBuilder()
          .putFields("port", text(port.getKey()))
          .putFields("policy", Value.newBuilder().setListValue(fields).build())
          .putFields("properties", Value.newBuilder().setListValue(props).build())
          .build();
    }

    private static Value text(String s) {
      return Value.newBuilder().setStringValue(s).build();
    }
  }

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
