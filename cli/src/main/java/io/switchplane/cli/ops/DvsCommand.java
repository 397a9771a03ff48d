package io.switchplane.cli.ops;

import com.google.protobuf.FieldMask;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.DeleteDvsRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetDvsResponse;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ListDvsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.RemoveDvsMemberRequest;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.api.v1.UpdateDvsResponse;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane dvs ...`: distributed switches and their member hosts. */
@Command(
    name = "dvs",
    description = "Create, inspect and change distributed switches (DVS).",
    mixinStandardHelpOptions = true,
    subcommands = {
      DvsCommand.Create.class,
      DvsCommand.ListCmd.class,
      DvsCommand.Show.class,
      DvsCommand.Update.class,
      DvsCommand.Delete.class,
      DvsCommand.AddHost.class,
      DvsCommand.RemoveHost.class
    })
public final class DvsCommand {

  @Command(
      name = "create",
      description = "Create a DVS at generation 1.",
      mixinStandardHelpOptions = true)
  static final class Create extends ManagerCommand {
    @Parameters(paramLabel = "NAME", description = "Unique name.")
    String name;

    @Option(
        names = "--uplinks",
        split = ",",
        paramLabel = "UPLINK",
        description = "Uplink names (default uplink1,uplink2).")
    List<String> uplinks = List.of();

    @Option(
        names = "--switch-mtu",
        paramLabel = "BYTES",
        description = "Switch MTU, 1280-9000 (default 1500).")
    int switchMtu;

    @Option(names = "--description", description = "Free text.")
    String description = "";

    @Mixin PolicyOptions policy;

    @Mixin MayExist mayExist;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Policy defaultPolicy = policy.applyTo(Policy.getDefaultInstance());
      Dvs dvs;
      try {
        dvs =
            manager
                .createDvs(
                    CreateDvsRequest.newBuilder()
                        .setName(name)
                        .addAllUplinks(uplinks)
                        .setMtu(switchMtu)
                        .setDefaultPolicy(defaultPolicy)
                        .setDescription(description)
                        .build())
                .getDvs();
      } catch (StatusRuntimeException e) {
        return mayExist.existing(
            e,
            "DVS " + name,
            data(),
            d -> {
              Dvs existing =
                  manager.getDvs(GetDvsRequest.newBuilder().setDvs(name).build()).getDvs();
              d.checkGiven("uplinks", !uplinks.isEmpty(), uplinks, existing.getUplinksList())
                  .checkGiven("switch MTU", switchMtu != 0, switchMtu, existing.getMtu())
                  .check("description", description, existing.getDescription())
                  .check("default policy", defaultPolicy, existing.getDefaultPolicy());
            });
      }
      System.out.println(
          data()
              ? render(dvs)
              : "created DVS "
                  + dvs.getName()
                  + " ("
                  + dvs.getId()
                  + ") at generation "
                  + dvs.getGeneration());
      return 0;
    }
  }

  @Command(name = "list", description = "List every DVS.", mixinStandardHelpOptions = true)
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListDvsResponse response = manager.listDvs(ListDvsRequest.getDefaultInstance());
      if (printedAsData(response)) {
        return 0;
      }
      Table t =
          new Table("NAME", "ID", "GENERATION", "UPLINKS", "MTU", "HOSTS", "DEFAULT POLICY")
              .wideOnly("ID");
      for (Dvs d : response.getSwitchesList()) {
        t.row(
            d.getName(),
            d.getId(),
            d.getGeneration(),
            String.join(",", d.getUplinksList()),
            d.getMtu(),
            d.getMembersCount(),
            Describe.policy(d.getDefaultPolicy()));
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "show",
      description = "Show one DVS with its member hosts.",
      mixinStandardHelpOptions = true)
  static final class Show extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "Name or id.")
    String dvs;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetDvsResponse r = manager.getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build());
      if (printedAsData(r)) {
        return 0;
      }
      Dvs d = r.getDvs();
      System.out.printf(
          "name:           %s%nid:             %s%ngeneration:     %d%nuplinks:        %s%n"
              + "mtu:            %d%ndefault policy: %s%nport groups:    %d%nports:          %d%n",
          d.getName(),
          d.getId(),
          d.getGeneration(),
          String.join(",", d.getUplinksList()),
          d.getMtu(),
          Describe.policy(d.getDefaultPolicy()),
          r.getPortGroupCount(),
          r.getPortCount());
      if (!d.getDescription().isEmpty()) {
        System.out.println("description:    " + d.getDescription());
      }
      Map<String, String> hosts = Names.hosts(manager);
      Table t = new Table("HOST", "UPLINK NICS");
      for (HostMember m : d.getMembersList()) {
        t.row(
            hosts.getOrDefault(m.getHostId(), m.getHostId()), Describe.pairs(m.getUplinkNicsMap()));
      }
      System.out.println();
      print(t);
      return 0;
    }
  }

  @Command(
      name = "update",
      description = "Change a DVS's settings or default policy.",
      mixinStandardHelpOptions = true)
  static final class Update extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "Name or id.")
    String dvs;

    @Option(names = "--rename", paramLabel = "NAME", description = "New name.")
    String rename;

    @Option(
        names = "--uplinks",
        split = ",",
        paramLabel = "UPLINK",
        description = "New uplink names.")
    List<String> uplinks;

    @Option(names = "--switch-mtu", paramLabel = "BYTES", description = "Switch MTU, 1280-9000.")
    Integer switchMtu;

    @Option(names = "--description", description = "Free text.")
    String description;

    @Mixin PolicyOptions policy;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Dvs current = manager.getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build()).getDvs();
      Dvs.Builder next =
          current.toBuilder().setDefaultPolicy(policy.applyTo(current.getDefaultPolicy()));
      List<String> mask = new ArrayList<>(policy.maskPaths("default_policy"));
      if (rename != null) {
        next.setName(rename);
        mask.add("name");
      }
      if (uplinks != null) {
        next.clearUplinks().addAllUplinks(uplinks);
        mask.add("uplinks");
      }
      if (switchMtu != null) {
        next.setMtu(switchMtu);
        mask.add("mtu");
      }
      if (description != null) {
        next.setDescription(description);
        mask.add("description");
      }
      FieldMask fields = WriteOptions.mask(mask, "dvs update");
      if (write.previewed(
          this,
          manager,
          current.getId(),
          ChangeOp.newBuilder().setUpdateDvs(next).setUpdateDvsMask(fields).build(),
          current.getGeneration())) {
        return 0;
      }
      UpdateDvsResponse r =
          manager.updateDvs(
              UpdateDvsRequest.newBuilder()
                  .setDvs(current.getId())
                  .setSettings(next)
                  .setUpdateMask(fields)
                  .setExpectedGeneration(write.expected(current.getGeneration()))
                  .build());
      Dvs d = r.getDvs();
      System.out.println(
          data()
              ? render(d)
              : r.getUnchanged()
                  ? WriteOptions.nothingToChange("DVS " + d.getName(), d.getGeneration())
                  : "updated DVS " + d.getName() + ", now at generation " + d.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "delete",
      description = "Delete a DVS that has no ports.",
      mixinStandardHelpOptions = true)
  static final class Delete extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "Name or id.")
    String dvs;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      manager.deleteDvs(DeleteDvsRequest.newBuilder().setDvs(dvs).build());
      System.out.println("deleted DVS " + dvs);
      return 0;
    }
  }

  @Command(
      name = "add-host",
      description = "Make a registered host a member of a DVS.",
      mixinStandardHelpOptions = true)
  static final class AddHost extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "Name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Option(
        names = "--nic",
        paramLabel = "UPLINK=NIC",
        description = "Physical NIC backing an uplink, e.g. uplink1=vmnic0.")
    Map<String, String> nics = Map.of();

    @Mixin WriteOptions write;
    @Mixin MayExist mayExist;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      HostMember member = HostMember.newBuilder().setHostId(host).putAllUplinkNics(nics).build();
      Optional<Dvs> joined =
          write.create(
              this,
              manager,
              dvs,
              ChangeOp.newBuilder().setAddMember(member).build(),
              expected ->
                  manager
                      .addDvsMember(
                          AddDvsMemberRequest.newBuilder()
                              .setDvs(dvs)
                              .setMember(member)
                              .setExpectedGeneration(expected)
                              .build())
                      .getDvs(),
              mayExist,
              "host " + host + " in DVS " + dvs,
              diff -> {
                Map<String, String> hosts = Names.hosts(manager);
                HostMember existing =
                    manager
                        .getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build())
                        .getDvs()
                        .getMembersList()
                        .stream()
                        .filter(
                            m ->
                                m.getHostId().equals(host) || host.equals(hosts.get(m.getHostId())))
                        .findFirst()
                        .orElseThrow(() -> SwitchplaneException.notFound("no member %s", host));
                diff.check("uplink NICs", nics, existing.getUplinkNicsMap());
              });
      if (joined.isEmpty()) {
        return 0;
      }
      Dvs d = joined.get();
      System.out.println(
          data()
              ? render(d)
              : "host "
                  + host
                  + " joined DVS "
                  + d.getName()
                  + " (generation "
                  + d.getGeneration()
                  + ")");
      return 0;
    }
  }

  @Command(
      name = "remove-host",
      description = "Remove a host (with no ports left) from a DVS.",
      mixinStandardHelpOptions = true)
  static final class RemoveHost extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "DVS", description = "Name or id.")
    String dvs;

    @Parameters(index = "1", paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Mixin WriteOptions write;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (write.previewed(
          this, manager, dvs, ChangeOp.newBuilder().setRemoveMember(host).build(), 0)) {
        return 0;
      }
      Dvs d =
          manager
              .removeDvsMember(
                  RemoveDvsMemberRequest.newBuilder()
                      .setDvs(dvs)
                      .setHost(host)
                      .setExpectedGeneration(write.expected(0))
                      .build())
              .getDvs();
      System.out.println(
          data()
              ? render(d)
              : "host "
                  + host
                  + " left DVS "
                  + d.getName()
                  + " (generation "
                  + d.getGeneration()
                  + ")");
      return 0;
    }
  }
}
