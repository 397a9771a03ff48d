package io.switchplane.cli.run;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.tls.AgentTlsFiles;
import io.switchplane.agent.tls.EnrollmentClient;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.pki.Enrollments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything on one machine, in this process: an embedded ZooKeeper and a manager, plus N host
 * agents on loopback registered as hosts host-1..host-N. Used by `up` and `demo`. Its manager makes
 * its own cluster CA and serves the operator API over TLS; each agent enrolls with a one-time token
 * and serves mutual TLS, as on a real install.
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
  public static LocalStack start(
      Path dataDir, int managerPort, int agentCount, int firstAgentPort) {
    List<HostAgent> agents = new ArrayList<>();
    SwitchplaneManager manager = null;
    ManagedChannel channel = null;
    try {
      manager =
          new SwitchplaneManager(
                  ManagerConfig.local(dataDir.resolve("manager")).withPort(managerPort))
              .start();
      if (!manager.awaitLeadership(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the manager did not become leader within 30 s");
      }
      channel =
          NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
      for (int i = 0; i < agentCount; i++) {
        // Each agent enrolls (key made in its data dir, CSR over the manager's agent port), then
        // serves mutual TLS.
        int port = firstAgentPort == 0 ? freeLoopbackPort() : firstAgentPort + i;
        AgentConfig config =
            new AgentConfig(
                AgentConfig.DEFAULT_BIND_HOST,
                port,
                dataDir.resolve("agent-" + (i + 1)),
                AgentConfig.DEFAULT_BACKEND,
                "",
                hostName(i),
                null,
                null,
                false);
        register(
            ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS),
            hostName(i),
            AgentConfig.DEFAULT_BIND_HOST + ":" + port);
        enroll(manager, config, hostName(i));
        HostAgent agent = new HostAgent(config);
        agents.add(agent);
        agent.start();
      }
      return new LocalStack(manager, agents, channel);
    } catch (IOException | RuntimeException e) {
      agents.forEach(HostAgent::close);
      if (channel != null) {
        channel.shutdownNow();
      }
      if (manager != null) {
        manager.close();
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot start the local stack: " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * Enrolls an agent that has no certificate yet, through the manager's agent port like any agent.
   */
  private static void enroll(SwitchplaneManager manager, AgentConfig config, String host)
      throws IOException {
    AgentTlsFiles files = new AgentTlsFiles(config.dataDir());
    if (files.present()) {
      return;
    }
    String token =
        manager.enrollments().createToken(host, Enrollments.DEFAULT_TOKEN_TTL).getToken();
    files.save(EnrollmentClient.enroll(manager.agentEndpoint(), token), manager.agentEndpoint());
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(AgentConfig.DEFAULT_BIND_HOST, 0));
      return s.getLocalPort();
    }
  }

  /** The host name agent i is registered under. */
  public static String hostName(int i) {
    return "host-" + (i + 1);
  }

  private static void register(ManagerServiceBlockingStub stub, String name, String endpoint) {
    try {
      stub.registerHost(
          RegisterHostRequest.newBuilder().setName(name).setEndpoint(endpoint).build());
    } catch (StatusRuntimeException e) {
      // A data directory from an earlier run keeps its hosts; the fixed ports keep their endpoints.
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
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

  /** What a client of the manager's operator API needs: TLS trusting the stack's CA. */
  public io.grpc.ChannelCredentials operatorCredentials() {
    return manager.operatorCredentials();
  }

  /** The stack's cluster CA certificate. */
  public java.security.cert.X509Certificate clusterCa() {
    return manager.clusterCa().certificate().orElseThrow();
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

  /**
   * A channel to agent i as the manager dials it (mutual TLS with the manager's certificate); owned
   * by the manager, do not shut it down.
   */
  public ManagedChannel agentChannel(int i) {
    return manager.pushEngine().channels().channel(agentEndpoint(i));
  }

  public HostAgent agent(int i) {
    return agents.get(i);
  }

  public String dvsId(String name) {
    return stub().getDvs(GetDvsRequest.newBuilder().setDvs(name).build()).getDvs().getId();
  }

  /** Blocks until every member host of the DVS has the generation (or newer content). */
  public void awaitInSync(String dvsId, long generation, Duration timeout) {
    try {
      manager
          .pushEngine()
          .whenInSync(dvsId, generation)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "hosts of DVS "
              + dvsId
              + " did not reach generation "
              + generation
              + " within "
              + timeout.toSeconds()
              + " s; see 'switchplane status'",
          e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "waiting for generation " + generation + " failed", e.getCause());
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
