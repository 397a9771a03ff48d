package io.switchplane.cli.run;

import io.switchplane.agent.AgentConfig;
import io.switchplane.cli.ops.Credentials;
import io.switchplane.cli.ops.ManagerCommand;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `switchplane up`: the whole system on this machine, in one process. */
@Command(
    name = "up",
    description = {
      "Run an embedded ZooKeeper, a manager and N host agents on loopback (Ctrl-C stops).",
      "Agents are registered as hosts host-1..host-N; state persists in --data-dir across runs."
    },
    mixinStandardHelpOptions = true)
public final class UpCommand implements Callable<Integer> {
  @Option(names = "--agents", description = "Number of host agents (default ${DEFAULT-VALUE}).")
  int agents = 3;

  @Option(names = "--manager-port", description = "Operator API port (default ${DEFAULT-VALUE}).")
  int managerPort = Endpoint.parse(ManagerCommand.DEFAULT_MANAGER).port();

  @Option(
      names = "--first-agent-port",
      description = "Agent i listens on this port + i (default ${DEFAULT-VALUE}).")
  int firstAgentPort = AgentConfig.DEFAULT_PORT;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where everything keeps its data (default ./switchplane-data).")
  Path dataDir = Path.of("switchplane-data");

  @Override
  public Integer call() {
    checkPorts(managerPort, agents, firstAgentPort);
    LocalStack stack = LocalStack.start(dataDir, managerPort, agents, firstAgentPort);
    // Like kind writing kubeconfig: the CLI on this machine trusts this stack's CA with no step of
    // the user's.
    Credentials.saveCa(stack.managerEndpoint(), stack.clusterCa());
    System.out.println("switchplane is up (data in " + dataDir.toAbsolutePath() + ")");
    System.out.println(
        "  manager    "
            + stack.managerEndpoint()
            + "   export SWITCHPLANE_MANAGER="
            + stack.managerEndpoint());
    System.out.println("  zookeeper  " + stack.zookeeper());
    System.out.println(
        "  TLS        the operator API's cluster CA is "
            + stack.manager().caFile()
            + ", kept for "
            + stack.managerEndpoint()
            + " in "
            + Credentials.file());
    for (int i = 0; i < stack.agentCount(); i++) {
      System.out.println(
          "  agent      " + stack.agentEndpoint(i) + "   host " + LocalStack.hostName(i));
    }
    System.out.println("try: switchplane dvs create dvs1 && switchplane dvs add-host dvs1 host-1");
    Daemons.runUntilStopped(stack);
    return 0;
  }

  /**
   * Refuses, before anything starts, ports that clash with each other or are taken on loopback (0
   * picks a free port and never clashes).
   */
  static void checkPorts(int managerPort, int agents, int firstAgentPort) {
    int lastAgentPort = firstAgentPort == 0 ? 0 : firstAgentPort + Math.max(agents, 1) - 1;
    if (managerPort < 0 || managerPort > 65535 || firstAgentPort < 0 || lastAgentPort > 65535) {
      throw SwitchplaneException.invalid(
          "ports run from 1 to 65535 (0: pick a free one); --manager-port %d,"
              + " --first-agent-port %d with %d agents reaches %d",
          managerPort, firstAgentPort, agents, lastAgentPort);
    }
    Map<Integer, String> wanted = new LinkedHashMap<>();
    if (managerPort != 0) {
      wanted.put(managerPort, "the manager (--manager-port)");
    }
    for (int i = 0; firstAgentPort != 0 && i < agents; i++) {
      String who = "agent " + LocalStack.hostName(i) + " (--first-agent-port + " + i + ")";
      String clash = wanted.putIfAbsent(firstAgentPort + i, who);
      if (clash != null) {
        throw SwitchplaneException.invalid(
            "port %d is wanted by both %s and %s: choose ports that do not overlap",
            firstAgentPort + i, clash, who);
      }
    }
    for (Map.Entry<Integer, String> e : wanted.entrySet()) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(AgentConfig.DEFAULT_BIND_HOST, e.getKey()));
      } catch (IOException taken) {
        throw SwitchplaneException.precondition(
            "port %d for %s is in use on %s (%s): stop what uses it or choose" + " another port",
            e.getKey(), e.getValue(), AgentConfig.DEFAULT_BIND_HOST, taken.getMessage());
      }
    }
  }
}
