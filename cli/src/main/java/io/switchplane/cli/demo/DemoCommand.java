package io.switchplane.cli.demo;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.common.text.VlanText;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/**
 * `switchplane demo`: a scripted tour on embedded defaults. It starts a real ZooKeeper, a manager
 * and three agents on loopback, builds a switch, pushes, changes one VLAN and shows that each host
 * touched only the affected ports, shows a rejected bad input, and cleans up.
 */
@Command(
    name = "demo",
    description = "A guided tour on embedded defaults; starts and stops everything itself.",
    mixinStandardHelpOptions = true)
public final class DemoCommand implements Callable<Integer> {
  private static final int HOSTS = 3;
  private final PrintStream out = System.out;

  @Override
  public Integer call() throws IOException {
    Path dir = Files.createTempDirectory("switchplane-demo");
    step("1. Start an embedded ZooKeeper, a manager and " + HOSTS + " host agents on loopback");
    try (LocalStack stack = LocalStack.start(dir, 0, HOSTS, 0)) {
      out.println(
          "manager  " + stack.managerEndpoint() + "   (ZooKeeper " + stack.zookeeper() + ")");
      for (int i = 0; i < HOSTS; i++) {
        out.println(
            "agent    "
                + stack.agentEndpoint(i)
                + "   registered as host "
                + LocalStack.hostName(i)
                + ", enrolled, serving mutual TLS");
      }
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(stack.managerEndpoint(), stack.operatorCredentials())
              .build();
      try {
        tour(ManagerServiceGrpc.newBlockingStub(channel), stack);
      } finally {
        channel.shutdownNow();
      }
    } finally {
      TempDirs.deleteTree(dir);
    }
    step("Done. Everything the demo started is stopped; its data directory is removed.");
    return 0;
  }

  private void tour(ManagerServiceBlockingStub manager, LocalStack stack) {
    step("2. Create the DVS 'demo-dvs' and make the three hosts members");
    Dvs dvs =
        manager
            .createDvs(
                CreateDvsRequest.newBuilder()
                    .setName("demo-dvs")
                    .addUplinks("uplink1")
                    .addUplinks("uplink2")
                    .setMtu(1500)
                    .build())
            .getDvs();
    out.println(
        "$ switchplane dvs create demo-dvs --uplinks uplink1,uplink2   -> generation "
            + dvs.getGeneration());
    for (int i = 0; i < HOSTS; i++) {
      dvs =
          manager
              .addDvsMember(
                  AddDvsMemberRequest.newBuilder()
                      .setDvs("demo-dvs")
                      .setMember(
                          HostMember.newBuilder()
                              .setHostId(LocalStack.hostName(i))
                              .putUplinkNics("uplink1", "vmnic0")
                              .putUplinkNics("uplink2", "vmnic1"))
                      .build())
              .getDvs();
      out.println(
          "$ switchplane dvs add-host demo-dvs "
              + LocalStack.hostName(i)
              + " --nic uplink1=vmnic0 --nic uplink2=vmnic1   -> generation "
              + dvs.getGeneration());
    }

    step("3. Two port groups: web in VLAN 100 (ports may override the VLAN), db in VLAN 200");
    createPortGroup(manager, "web", 100, true);
    createPortGroup(manager, "db", 200, false);
    out.println("$ switchplane portgroup create demo-dvs web --vlan 100 --allow-override vlan");
    out.println("$ switchplane portgroup create demo-dvs db --vlan 200");

    step(
        "4. Nine ports in ONE change set (one generation): two web VMs and one db VM per host;"
            + " web-1a overrides its VLAN to 101");
    CommitChangeSetRequest.Builder change =
        CommitChangeSetRequest.newBuilder().setDvs("demo-dvs").setDescription("demo: first ports");
    for (int i = 0; i < HOSTS; i++) {
      String host = LocalStack.hostName(i);
      for (String key : List.of("web-" + (i + 1) + "a", "web-" + (i + 1) + "b", "db-" + (i + 1))) {
        Port.Builder port =
            Port.newBuilder()
                .setKey(key)
                .setPortGroupId(key.startsWith("web") ? "web" : "db")
                .setHostId(host);
        if (key.equals("web-1a")) {
          port.setPolicy(vlan(101, false));
        }
        change.addOps(ChangeOp.newBuilder().setCreatePort(port));
      }
    }
    long committed = manager.commitChangeSet(change.build()).getGeneration();
    out.println(
        "CommitChangeSet(9 x create_port)   -> generation "
            + committed
            + "   (one by one: switchplane port create demo-dvs web-1a --portgroup web --host host-1 --vlan 101)");
    long generation = awaitInSync(manager, stack);
    out.println(
        "every host is in sync at generation " + generation + "; what each host's last push did:");
    printStatus(manager);
    printAgentPorts(stack);

    step("5. Change ONE setting: port group db moves from VLAN 200 to VLAN 300");
    PortGroup db =
        manager
            .getPortGroup(
                GetPortGroupRequest.newBuilder().setDvs("demo-dvs").setPortGroup("db").build())
            .getPortGroup();
    long g =
        manager
            .updatePortGroup(
                UpdatePortGroupRequest.newBuilder()
                    .setDvs("demo-dvs")
                    .setPortGroup("db")
                    .setSettings(db.toBuilder().setPolicy(vlan(300, false)))
                    .build())
            .getGeneration();
    out.println("$ switchplane portgroup update demo-dvs db --vlan 300   -> generation " + g);
    awaitInSync(manager, stack);
    out.println(
        "each host received its whole final state, diffed it, and touched only its db port (~1 = one update):");
    printStatus(manager);
    printAgentPorts(stack);

    step("6. A bad input is rejected with a precise status, and nothing changes");
    long before =
        manager
            .getDvs(GetDvsRequest.newBuilder().setDvs("demo-dvs").build())
            .getDvs()
            .getGeneration();
    tryBad(
        "$ switchplane portgroup update demo-dvs web --vlan 5000",
        () ->
            manager.updatePortGroup(
                UpdatePortGroupRequest.newBuilder()
                    .setDvs("demo-dvs")
                    .setPortGroup("web")
                    .setSettings(PortGroup.newBuilder().setName("web").setPolicy(vlan(5000, true)))
                    .build()));
    tryBad(
        "$ switchplane port create demo-dvs web-9 --portgroup web --host host-9",
        () ->
            manager.createPort(
                CreatePortRequest.newBuilder()
                    .setDvs("demo-dvs")
                    .setPort(
                        Port.newBuilder().setKey("web-9").setPortGroupId("web").setHostId("host-9"))
                    .build()));
    tryBad(
        "$ switchplane portgroup delete demo-dvs db",
        () ->
            manager.deletePortGroup(
                DeletePortGroupRequest.newBuilder().setDvs("demo-dvs").setPortGroup("db").build()));
    long after =
        manager
            .getDvs(GetDvsRequest.newBuilder().setDvs("demo-dvs").build())
            .getDvs()
            .getGeneration();
    out.println("generation before the bad inputs: " + before + ", after: " + after);
    if (before != after) {
      throw new IllegalStateException("a rejected input changed the generation");
    }
  }

  private void createPortGroup(
      ManagerServiceBlockingStub manager, String name, int vlan, boolean overridable) {
    manager.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("demo-dvs")
            .setPortGroup(
                PortGroup.newBuilder()
                    .setName(name)
                    .setNumPorts(8)
                    .setPolicy(vlan(vlan, overridable)))
            .build());
  }

  private static Policy vlan(int id, boolean overrideAllowed) {
    return Policy.newBuilder()
        .setVlan(
            VlanSetting.newBuilder()
                .setValue(VlanText.parse(Integer.toString(id)))
                .setOverrideAllowed(overrideAllowed))
        .build();
  }

  private long awaitInSync(ManagerServiceBlockingStub manager, LocalStack stack) {
    Dvs dvs = manager.getDvs(GetDvsRequest.newBuilder().setDvs("demo-dvs").build()).getDvs();
    stack.awaitInSync(dvs.getId(), dvs.getGeneration(), Duration.ofSeconds(30));
    return dvs.getGeneration();
  }

  private void printStatus(ManagerServiceBlockingStub manager) {
    Table t =
        new Table("HOST", "STATE", "APPLIED GEN", "LAST PUSH CHANGED (+added ~updated -removed)");
    for (HostPushStatus h :
        manager
            .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("demo-dvs").build())
            .getHostsList()) {
      t.row(
          h.getHostName(),
          Describe.state(h.getState()),
          h.getAppliedGeneration(),
          Describe.summary(h.getLastSummary()));
    }
    t.print(out);
  }

  private void printAgentPorts(LocalStack stack) {
    out.println("what the agents' switches really have (read from each agent's backend):");
    Table t = new Table("HOST", "PORT", "PORTGROUP", "EFFECTIVE");
    for (int i = 0; i < HOSTS; i++) {
      ManagedChannel ch = stack.agentChannel(i); // as the manager dials it: mutual TLS
      for (EffectivePort p :
          HostAgentServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getState(GetStateRequest.newBuilder().setDvsId(stack.dvsId("demo-dvs")).build())
              .getBackendPortsList()) {
        t.row(
            LocalStack.hostName(i),
            p.getKey(),
            p.getPortGroupName(),
            "vlan=" + VlanText.format(p.getPolicy().getVlan()));
      }
    }
    t.print(out);
  }

  private void tryBad(String command, Runnable call) {
    out.println(command);
    try {
      call.run();
      throw new IllegalStateException("the manager accepted a bad input: " + command);
    } catch (StatusRuntimeException e) {
      out.println("  rejected: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    }
  }

  private void step(String title) {
    out.println();
    out.println("== " + title);
  }
}
