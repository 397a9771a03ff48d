package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.health.ManagerHealth;
import io.switchplane.rpc.metrics.MetricsHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager (on a ZooKeeper the test can stop) and an agent, each with its HTTP endpoint as the run
 * commands serve it: every labelled series is on /metrics from the start, the gauges move with a
 * change, /readyz and gRPC health follow the agent's start and the manager's ZooKeeper session.
 */
class OpsIT {
  @TempDir Path dir;
  private TestingServer zk;
  private SwitchplaneManager manager;
  private HostAgent agent;
  private MetricsHttpServer managerHttp;
  private MetricsHttpServer agentHttp;
  private ManagedChannel managerChannel;
  private ManagedChannel agentChannel;

  @AfterEach
  void tearDown() throws IOException {
    for (ManagedChannel c : new ManagedChannel[] {managerChannel, agentChannel}) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (AutoCloseable part : new AutoCloseable[] {managerHttp, agentHttp, manager, agent}) {
      if (part != null) {
        try {
          part.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    if (zk != null) {
      zk.close();
    }
  }

  @Test
  void metricsReadinessAndHealthOfARunningManagerAndAgent() throws Exception {
    // The agent's endpoint serves before the agent starts, as `switchplane agent` does.
    agent =
        new HostAgent(
            AgentConfig.of(0, dir.resolve("agent")).withHost("", "esx1").withInsecurePlaintext());
    agentHttp = new MetricsHttpServer(agent.metrics().withJvmMetrics(), agent.health());
    int agentHttpPort = agentHttp.start("127.0.0.1", 0);
    assertThat(get(agentHttpPort, "/readyz")).isEqualTo("503 not ready: not started\n");
    assertThat(get(agentHttpPort, "/healthz")).isEqualTo("200 ok\n");
    agent.start();
    assertThat(get(agentHttpPort, "/readyz")).isEqualTo("200 ready\n");

    zk = new TestingServer(true);
    manager =
        new SwitchplaneManager(
                ManagerConfig.local(dir.resolve("manager"))
                    .withZookeeper(zk.getConnectString())
                    .withSessionTimeout(Duration.ofSeconds(4)))
            .start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    managerHttp = new MetricsHttpServer(manager.metrics().withJvmMetrics(), manager.health());
    int managerHttpPort = managerHttp.start("127.0.0.1", 0);
    managerChannel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    agentChannel = NettyChannelBuilder.forTarget(agent.endpoint()).usePlaintext().build();

    // Every labelled series is there before its first event.
    assertThat(get(managerHttpPort, "/metrics"))
        .startsWith("200 ")
        .contains(
            "switchplane_rollbacks_total{cause=\"confirm_timeout\"} 0.0\n",
            "switchplane_push_failures_total{state=\"unreachable\"} 0.0\n",
            "switchplane_atomic_change_sets_total{outcome=\"aborted\"} 0.0\n",
            "switchplane_manager_access_denied_total{reason=\"scope\"} 0.0\n",
            "switchplane_manager_tls_handshake_failures_total{port=\"agent\"} 0.0\n",
            "switchplane_manager_grpc_server_errors_total{method=\"switchplane.v1.ManagerService/CreateDvs\"} 0.0\n",
            "switchplane_push_latency_seconds_count 0\n",
            "switchplane_manager_leader 1.0\n",
            "switchplane_manager_zookeeper_connected 1.0\n",
            "switchplane_manager_ready 1.0\n",
            "switchplane_push_queue_depth 0.0\n",
            "switchplane_manager_certificate_expiry_timestamp_seconds ",
            "jvm_memory_used_bytes{area=\"heap\"}",
            "process_cpu_seconds_total");
    assertThat(get(agentHttpPort, "/metrics"))
        .contains(
            "switchplane_agent_rollbacks_total{cause=\"confirm_timeout\"} 0.0\n",
            "switchplane_agent_applies_refused_total{code=\"INVALID_ARGUMENT\"} 0.0\n",
            "switchplane_agent_grpc_server_errors_total{method=\"switchplane.v1.HostAgentService/",
            "switchplane_agent_ready 1.0\n",
            "switchplane_agent_pending_confirms 0.0\n");
    assertThat(get(managerHttpPort, "/readyz")).isEqualTo("200 ready\n");
    assertThat(health(managerChannel, ManagerHealth.SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThat(health(managerChannel, ManagerHealth.LEADER_SERVICE))
        .isEqualTo(ServingStatus.SERVING);
    assertThat(health(agentChannel, HostAgent.SERVICE_NAME)).isEqualTo(ServingStatus.SERVING);

    // A DVS with the agent's host: its state gauges appear and move to in sync.
    api()
        .registerHost(
            RegisterHostRequest.newBuilder().setName("esx1").setEndpoint(agent.endpoint()).build());
    api().createDvs(CreateDvsRequest.newBuilder().setName("dvs1").build());
    api()
        .addDvsMember(
            AddDvsMemberRequest.newBuilder()
                .setDvs("dvs1")
                .setMember(HostMember.newBuilder().setHostId("esx1"))
                .build());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get(managerHttpPort, "/metrics"))
                    .contains(
                        "switchplane_hosts{dvs=\"dvs1\",state=\"in_sync\"} 1.0\n",
                        "switchplane_hosts{dvs=\"dvs1\",state=\"failed\"} 0.0\n",
                        "switchplane_host_generation_lag{dvs=\"dvs1\",host=\"esx1\"} 0.0\n",
                        "switchplane_pending_confirms{dvs=\"dvs1\"} 0.0\n",
                        "switchplane_confirms_total 1.0\n"));
    assertThat(get(agentHttpPort, "/metrics")).contains("switchplane_agent_confirms_total 1.0\n");

    // ZooKeeper gone: the manager says so on every channel, and comes back with it.
    zk.stop();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(health(managerChannel, ManagerHealth.SERVICE))
                  .isEqualTo(ServingStatus.NOT_SERVING);
              assertThat(health(managerChannel, ManagerHealth.LEADER_SERVICE))
                  .isEqualTo(ServingStatus.NOT_SERVING);
              assertThat(get(managerHttpPort, "/readyz"))
                  .isEqualTo("503 not ready: no ZooKeeper session\n");
            });
    assertThat(get(managerHttpPort, "/metrics"))
        .contains(
            "switchplane_manager_zookeeper_connected 0.0\n", "switchplane_manager_ready 0.0\n");
    assertThat(get(managerHttpPort, "/healthz")).as("alive all the same").isEqualTo("200 ok\n");

    zk.restart();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(health(managerChannel, ManagerHealth.SERVICE))
                  .isEqualTo(ServingStatus.SERVING);
              assertThat(get(managerHttpPort, "/readyz")).isEqualTo("200 ready\n");
            });

    // The agent closing its store is not ready any more, while its endpoint still answers.
    agent.close();
    assertThat(get(agentHttpPort, "/readyz"))
        .isEqualTo("503 not ready: stopped: state store closed\n");
    assertThat(get(agentHttpPort, "/metrics")).contains("switchplane_agent_ready 0.0\n");
  }

  private ManagerServiceBlockingStub api() {
    return ManagerServiceGrpc.newBlockingStub(managerChannel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /** "CODE BODY" of a GET on loopback. */
  private static String get(int port, String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
    int code = c.getResponseCode();
    try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
      return code + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
