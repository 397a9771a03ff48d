package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.apply.AppliedSwitch;
import io.switchplane.cli.run.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opaque properties end to end: a real ZooKeeper, a manager and three agents on loopback gRPC, each
 * with its RocksDB and the qos module loaded by ServiceLoader, driven through the CLI.
 */
class PropertiesIT {
  private static final String QOS = "io.switchplane.qos";
  private static final Pattern GENERATION = Pattern.compile("generation:?\\s+(\\d+)");
  @TempDir Path dir;
  private LocalStack stack;

  @BeforeEach
  void setUp() {
    stack = LocalStack.start(dir, 0, 3, 0);
  }

  @AfterEach
  void tearDown() {
    if (stack != null) {
      stack.close();
    }
  }

  private Cli.Run cli(String... args) {
    Cli.Run r = Cli.run(stack, args);
    return r;
  }

  private Cli.Run ok(String... args) {
    Cli.Run r = cli(args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }

  private static long generation(Cli.Run r) {
    Matcher m = GENERATION.matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * dvs1 on host-1..3, port group web with two ports per host (p1..p6, p(2i+1) and p(2i+2) on
   * host-(i+1)).
   */
  private String buildSwitch() {
    ok("dvs", "create", "dvs1");
    for (int h = 1; h <= 3; h++) {
      ok("dvs", "add-host", "dvs1", "host-" + h);
    }
    ok("portgroup", "create", "dvs1", "web", "--vlan", "100");
    for (int p = 1; p <= 6; p++) {
      ok(
          "port",
          "create",
          "dvs1",
          "p" + p,
          "--portgroup",
          "web",
          "--host",
          "host-" + ((p + 1) / 2));
    }
    return stack.dvsId("dvs1");
  }

  @Test
  void aDvsLevelValueReachesEveryPortsModuleOnEveryHostInOnePushWithGroupAndPortOverrides() {
    String dvsId = buildSwitch();
    assertThat(ok("namespace", "list").out()).contains(QOS, "switchplane");

    long before = generation(ok("dvs", "show", "dvs1"));
    Cli.Run set = ok("prop", "set", "dvs1", "-n", QOS, "-k", "rate-kbps", "--value", "1000");
    long g = generation(set);
    assertThat(g).isEqualTo(before + 1); // one change set, one generation
    assertThat(set.out()).contains("3 host(s) to push");
    stack.awaitInSync(dvsId, g, Duration.ofSeconds(30));
    for (int h = 1; h <= 3; h++) {
      String published = ok("prop", "published", "--dvs", "dvs1", "--host", "host-" + h).out();
      assertThat(published)
          .contains(
              "port p" + (2 * h - 1), "port p" + (2 * h), "rate-kbps=1000 burst-kb=100 via=memory");
      assertThat(ok("host", "history", "host-" + h, "--dvs", "dvs1").out())
          .contains(Long.toString(g));
    }

    ok("prop", "set", "dvs1/pg/web", "-n", QOS, "-k", "rate-kbps", "--value", "500");
    long last =
        generation(
            ok("prop", "set", "dvs1/port/p1", "-n", QOS, "-k", "rate-kbps", "--value", "50"));
    stack.awaitInSync(dvsId, last, Duration.ofSeconds(30));
    String host1 = ok("prop", "published", "--dvs", "dvs1", "--host", "host-1").out();
    assertThat(host1).contains("rate-kbps=50 ", "rate-kbps=500 ");
    assertThat(ok("prop", "get", "dvs1/port/p2", "--effective").out())
        .contains("rate-kbps", "500", "port group");
    assertThat(ok("prop", "get", "dvs1/port/p1", "--effective").out()).contains("50", "port");
    assertThat(ok("prop", "get", "dvs1").out()).contains("1000", "set");

    // The watch relayed by the manager starts with what host-2's agent has: p3 and p4 at 500.
    io.grpc.ManagedChannel channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(
                stack.managerEndpoint(), stack.operatorCredentials())
            .build();
    try {
      java.util.Iterator<io.switchplane.api.v1.PublishedProperty> watch =
          io.switchplane.api.v1.PropertyServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
              .watchPublished(
                  io.switchplane.api.v1.GetPublishedRequest.newBuilder()
                      .setDvs("dvs1")
                      .setHost("host-2")
                      .setNamespace(QOS)
                      .build());
      assertThat(watch.next().getValue().toStringUtf8()).startsWith("rate-kbps=500 ");
      assertThat(watch.next().getEntity().getId()).isEqualTo("p4");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void refusalsChangeNothingAndAnUnclaimedNamespaceSurvivesAnAgentRestart() throws IOException {
    String dvsId = buildSwitch();
    long before = generation(ok("dvs", "show", "dvs1"));
    Cli.Run unregistered =
        cli("prop", "set", "dvs1", "-n", "com.example.tenant", "-k", "a", "--value", "1");
    assertThat(unregistered.exit()).isNotZero();
    assertThat(unregistered.err()).contains("FAILED_PRECONDITION", "not registered");
    Cli.Run reserved = cli("namespace", "register", "io.switchplane.mine", "--owner", "me");
    assertThat(reserved.err()).contains("PERMISSION_DENIED", "reserved");
    ok(
        "namespace",
        "register",
        "com.example.tenant",
        "--owner",
        "tenant-app",
        "--description",
        "opaque blobs");
    Path big = dir.resolve("big.bin");
    Files.write(big, new byte[70_000]);
    Cli.Run tooBig =
        cli(
            "prop",
            "set",
            "dvs1/port/p1",
            "-n",
            "com.example.tenant",
            "-k",
            "blob",
            "--value-file",
            big.toString());
    assertThat(tooBig.err()).contains("INVALID_ARGUMENT", "70,000 bytes", "65,536");
    // Our own namespace's values are checked before commit (they once failed every host, retried
    // for ever).
    Cli.Run badRate =
        cli("prop", "set", "dvs1/port/p1", "-n", QOS, "-k", "rate-kbps", "--value", "fast");
    assertThat(badRate.exit()).isNotZero();
    assertThat(badRate.err())
        .contains("INVALID_ARGUMENT", "io.switchplane.qos/rate-kbps is 'fast', not a whole number");
    Cli.Run badKey = cli("prop", "set", "dvs1/port/p1", "-n", QOS, "-k", "rate", "--value", "100");
    assertThat(badKey.err())
        .contains("INVALID_ARGUMENT", "has the keys rate-kbps and burst-kb, not 'rate'");
    assertThat(generation(ok("dvs", "show", "dvs1"))).isEqualTo(before);

    Path blob = dir.resolve("blob.bin");
    Files.write(blob, new byte[] {0, 1, 2, (byte) 0xff});
    long g =
        generation(
            ok(
                "prop",
                "set",
                "dvs1/port/p1",
                "-n",
                "com.example.tenant",
                "-k",
                "blob",
                "--value-file",
                blob.toString()));
    stack.awaitInSync(dvsId, g, Duration.ofSeconds(30));
    assertThat(ok("prop", "get", "dvs1/port/p1").out()).contains("blob", "0x000102ff");
    assertThat(ok("status", "dvs1").out()).contains("unclaimed namespaces: com.example.tenant");

    stack.close();
    stack = null;
    HostAgent agent =
        new HostAgent(
            new AgentConfig(
                AgentConfig.DEFAULT_BIND_HOST,
                0,
                dir.resolve("agent-1"),
                AgentConfig.DEFAULT_BACKEND,
                "",
                LocalStack.hostName(0),
                null,
                null,
                false)); // enrolled by the stack: TLS
    agent.start();
    try {
      AppliedSwitch applied = agent.pipeline().applied(dvsId).orElseThrow();
      assertThat(applied.generation()).isEqualTo(g);
      assertThat(agent.pipeline().modules().unclaimed(applied.state()))
          .containsExactly("com.example.tenant");
      assertThat(agent.pipeline().modules().claimed()).containsExactly(QOS);
      assertThat(
              applied.state().getPortsList().stream()
                  .filter(p -> p.getKey().equals("p1"))
                  .findFirst()
                  .orElseThrow()
                  .getProperties(0)
                  .getValue()
                  .toByteArray())
          .containsExactly(0, 1, 2, 0xff);
    } finally {
      agent.close();
    }
  }
}
