package io.switchplane.cli.ops;

import com.google.gson.Gson;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListPortsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `switchplane apply -f FILE`: makes one DVS's port groups and ports match a YAML file, as one
 * change set expecting the generation it read. Each port group and port in the file is created or
 * replaced as a whole (the planner writes only those that differ, so applying a file twice makes no
 * generation the second time); with --prune the ones the file does not list are deleted.
 */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Make one DVS's port groups and ports match a YAML file (like kubectl apply): one change set,"
          + " nothing to do is no new generation. The file:",
      "  dvs: dvs1",
      "  portGroups:",
      "    - {name: web, numPorts: 16, policy: {vlan: {value: {accessId: 100}}}}",
      "  ports:",
      "    - {key: p1, portGroupId: web, hostId: host-1}",
      "Entries are PortGroup and Port messages in proto3 JSON field names; port groups and hosts"
          + " by name. Each entry replaces the stored one as a whole."
    })
public final class ApplyCommand extends ManagerCommand {
  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "The desired port groups and ports, YAML.")
  Path file;

  @Option(names = "--prune", description = "Delete the port groups and ports the file omits.")
  boolean prune;

  @Mixin WriteOptions write;

  /** What the file asks for. */
  record Desired(String dvs, List<PortGroup> portGroups, List<Port> ports) {}

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    Desired desired = read(file);
    ListPortsResponse ports =
        manager.listPorts(ListPortsRequest.newBuilder().setDvs(desired.dvs()).build());
    List<PortGroup> groups =
        manager
            .listPortGroups(ListPortGroupsRequest.newBuilder().setDvs(desired.dvs()).build())
            .getPortGroupsList();
    List<ChangeOp> ops = ops(desired, groups, ports.getPortsList(), prune);
    if (ops.isEmpty()) {
      System.out.println(
          data() ? "{}" : WriteOptions.nothingToChange(file.toString(), ports.getGeneration()));
      return 0;
    }
    CommitChangeSetRequest request =
        CommitChangeSetRequest.newBuilder()
            .setDvs(desired.dvs())
            .addAllOps(ops)
            .setExpectedGeneration(write.expected(ports.getGeneration()))
            .setDryRun(write.dryRun)
            .setDescription("apply " + file.getFileName())
            .build();
    CommitChangeSetResponse r = manager.commitChangeSet(request);
    if (write.dryRun) {
      WriteOptions.print(this, r, desired.dvs());
    } else if (data()) {
      System.out.println(render(r));
    } else if (r.getUnchanged()) {
      System.out.println(
          WriteOptions.nothingToChange(
              "DVS " + desired.dvs() + " matches " + file, r.getGeneration()));
    } else {
      System.out.println(
          "applied "
              + file
              + " to DVS "
              + desired.dvs()
              + ": generation "
              + r.getGeneration()
              + ", "
              + r.getHostsAffected()
              + " host(s) to push");
    }
    return 0;
  }

  /**
   * The operations that make the DVS match: create or replace each port group, then each port; with
   * prune, delete the ports, then the port groups, the file does not list.
   */
  static List<ChangeOp> ops(
      Desired desired, List<PortGroup> groups, List<Port> ports, boolean prune) {
    Set<String> groupNames = new HashSet<>();
    groups.forEach(g -> groupNames.add(g.getName()));
    Set<String> portKeys = new HashSet<>();
    ports.forEach(p -> portKeys.add(p.getKey()));
    List<ChangeOp> ops = new ArrayList<>();
    for (PortGroup g : desired.portGroups()) {
      ops.add(
          groupNames.contains(g.getName())
              ? ChangeOp.newBuilder()
                  .setUpdatePortGroup(
                      PortGroupUpdate.newBuilder().setPortGroup(g.getName()).setSettings(g))
                  .build()
              : ChangeOp.newBuilder().setCreatePortGroup(g).build());
    }
    for (Port p : desired.ports()) {
      ops.add(
          portKeys.contains(p.getKey())
              ? ChangeOp.newBuilder()
                  .setUpdatePort(PortUpdate.newBuilder().setKey(p.getKey()).setSettings(p))
                  .build()
              : ChangeOp.newBuilder().setCreatePort(p).build());
    }
    if (prune) {
      Set<String> keep = new HashSet<>();
      desired.ports().forEach(p -> keep.add(p.getKey()));
      ports.stream()
          .filter(p -> !keep.contains(p.getKey()))
          .forEach(p -> ops.add(ChangeOp.newBuilder().setDeletePort(p.getKey()).build()));
      Set<String> keepGroups = new HashSet<>();
      desired.portGroups().forEach(g -> keepGroups.add(g.getName()));
      groups.stream()
          .filter(g -> !keepGroups.contains(g.getName()))
          .forEach(g -> ops.add(ChangeOp.newBuilder().setDeletePortGroup(g.getId()).build()));
    }
    return ops;
  }

  /** Reads and checks the file: INVALID_ARGUMENT naming what is wrong. */
  static Desired read(Path file) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw SwitchplaneException.invalid("cannot read %s: no such file", file);
    } catch (IOException e) {
      throw SwitchplaneException.invalid("cannot read %s: %s", file, e.getMessage());
    } catch (YAMLException e) {
      throw SwitchplaneException.invalid("%s is not valid YAML: %s", file, e.getMessage());
    }
    if (!(doc instanceof Map<?, ?> top)) {
      throw SwitchplaneException.invalid(
          "%s: expected a mapping with dvs, portGroups, ports", file);
    }
    Map<Object, Object> rest = new LinkedHashMap<>(top);
    Object dvs = rest.remove("dvs");
    if (!(dvs instanceof String name) || name.isEmpty()) {
      throw SwitchplaneException.invalid("%s: 'dvs' (the DVS's name or id) is missing", file);
    }
    List<PortGroup> groups =
        entries(file, rest.remove("portGroups"), "portGroups", PortGroup.newBuilder());
    List<Port> ports = entries(file, rest.remove("ports"), "ports", Port.newBuilder());
    if (!rest.isEmpty()) {
      throw SwitchplaneException.invalid(
          "%s: unknown top-level key(s) %s; use dvs, portGroups, ports", file, rest.keySet());
    }
    return new Desired(name, groups, ports);
  }

  @SuppressWarnings("unchecked")
  private static <M extends Message> List<M> entries(
      Path file, Object list, String what, Message.Builder prototype) {
    if (list == null) {
      return List.of();
    }
    if (!(list instanceof List<?> items)) {
      throw SwitchplaneException.invalid("%s: '%s' must be a list", file, what);
    }
    List<M> out = new ArrayList<>();
    Gson gson = new Gson();
    for (int i = 0; i < items.size(); i++) {
      Message.Builder b = prototype.clone().clear();
      try {
        JsonFormat.parser().merge(gson.toJson(items.get(i)), b);
      } catch (InvalidProtocolBufferException e) {
        throw SwitchplaneException.invalid(
            "%s: %s entry %d: %s", file, what, i + 1, e.getMessage());
      }
      out.add((M) b.build());
    }
    return out;
  }
}
