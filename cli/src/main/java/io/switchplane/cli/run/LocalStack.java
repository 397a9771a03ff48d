package io.switchplane.cli.run;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything on one machine, in this process: an embedded ZooKeeper and a manager, plus N host
 * agents on loopback registered as hosts host-1..host-N. Used by `up` and `demo`.
 */
public final class LocalStack implements AutoCloseable {
  private final SwitchplaneManager manager;
  private final List<HostAgent> agents;
  private final ManagedChannel channel;

  private LocalStack(SwitchplaneManager manager, List<HostAgent> agents, ManagedChannel channel) {
    this.manager = manager;
    this.agents = agents;
    this.channel = channel;
  }

  /**
   * Starts the stack under dataDir (manager/ and agent-N/ below it). Port 0 picks free ports;
   * firstAgentPort non-zero gives agent i the port firstAgentPort + i.
   */
  public static LocalStack start(Path dataDir, int managerPort, int agentCount, int firstAgentPort) {
    List<HostAgent> agents = new ArrayList<>();
    SwitchplaneManager manager = null;
    ManagedChannel channel = null;
    try {
      for (int i = 0; i < agentCount; i++) {
        HostAgent agent = new HostAgent(new AgentConfig(AgentConfig.DEFAULT_BIND_HOST,
            firstAgentPort == 0 ? 0 : firstAgentPort + i, dataDir.resolve("agent-" + (i + 1)),
            AgentConfig.DEFAULT_BACKEND, "", hostName(i), null, null));
        agents.add(agent);
        agent.start();
      }
      manager = new SwitchplaneManager(ManagerConfig.local(dataDir.resolve("manager")).withPort(managerPort)).start();
      if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the manager did not become leader within 30 s");
      }
      channel = NettyChannelBuilder.forTarget(manager.endpoint()).usePlaintext().build();
      LocalStack stack = new LocalStack(manager, agents, channel);
      stack.registerHosts();
      return stack;
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.shutdownNow();
      }
      if (manager != null) {
        manager.close();
      }
      agents.forEach(HostAgent::close);
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot start the local stack: " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The host name agent i is registered under. */
  public static String hostName(int i) {
    return "host-" + (i + 1);
  }

  private void registerHosts() {
    for (int i = 0; i < agents.size(); i++) {
      try {
        stub().registerHost(RegisterHostRequest.newBuilder().setName(hostName(i)).setEndpoint(agents.get(i).endpoint()).build());
      } catch (StatusRuntimeException e) {
        // A data directory from an earlier run keeps its hosts; the fixed ports keep their endpoints.
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
      }
    }
  }

  public ManagerServiceBlockingStub stub() {
    return ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public SwitchplaneManager manager() {
    return manager;
  }

  public String managerEndpoint() {
    return manager.endpoint();
  }

  public String zookeeper() {
    return manager.zookeeper();
  }

  public int agentCount() {
    return agents.size();
  }

  public String agentEndpoint(int i) {
    return agents.get(i).endpoint();
  }

  public String dvsId(String name) {
    return stub().getDvs(GetDvsRequest.newBuilder().setDvs(name).build()).getDvs().getId();
  }

  /** Blocks until every member host of the DVS has the generation (or newer content). */
  public void awaitInSync(String dvsId, long generation, Duration timeout) {
    try {
      manager.pushEngine().whenInSync(dvsId, generation).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("hosts of DVS " + dvsId + " did not reach generation " + generation
          + " within " + timeout.toSeconds() + " s; see 'switchplane status'", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for generation " + generation + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for generation " + generation, e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    manager.close();
    agents.forEach(HostAgent::close);
  }
}
