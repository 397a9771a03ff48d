package io.switchplane.it;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
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
import java.util.concurrent.TimeUnit;

/**
 * A manager with its embedded ZooKeeper and N agents, each with its own RocksDB, on real loopback
 * sockets; agents can be stopped and started again on the same port and data.
 */
final class Cluster implements AutoCloseable {
  private final Path dir;
  private final SwitchplaneManager manager;
  private final List<HostAgent> agents = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ManagedChannel managerChannel;

  Cluster(Path dir, int agentCount) {
    this.dir = dir;
    for (int i = 0; i < agentCount; i++) {
      HostAgent agent = startAgent(i, 0);
      agents.add(agent);
      ports.add(agent.port());
    }
    manager = new SwitchplaneManager(ManagerConfig.local(dir.resolve("manager"))).start();
    if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
      throw new IllegalStateException("no leadership within 30 s");
    }
    managerChannel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    for (int i = 0; i < agentCount; i++) {
      api()
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName(host(i))
                  .setEndpoint("127.0.0.1:" + ports.get(i))
                  .build());
    }
  }

  static String host(int i) {
    return "host-" + (i + 1);
  }

  ManagerServiceBlockingStub api() {
    return ManagerServiceGrpc.newBlockingStub(managerChannel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** The operator channel to the manager, for its other services. */
  ManagedChannel channel() {
    return managerChannel;
  }

  HostAgentServiceBlockingStub agent(int i) {
    ManagedChannel ch =
        NettyChannelBuilder.forTarget("127.0.0.1:" + ports.get(i)).usePlaintext().build();
    channels.add(ch);
    return HostAgentServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  SwitchplaneManager manager() {
    return manager;
  }

  void stopAgent(int i) {
    agents.get(i).close();
  }

  void restartAgent(int i) {
    agents.set(i, startAgent(i, ports.get(i)));
  }

  private HostAgent startAgent(int i, int port) {
    HostAgent agent =
        new HostAgent(
            AgentConfig.of(port, dir.resolve("agent-" + (i + 1)))
                .withHost("", host(i))
                .withInsecurePlaintext());
    try {
      agent.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return agent;
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    managerChannel.shutdownNow();
    manager.close();
    agents.forEach(HostAgent::close);
  }
}
