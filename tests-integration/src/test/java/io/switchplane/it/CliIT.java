package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.HostSyncState;
import io.switchplane.cli.Main;
import io.switchplane.cli.ops.Credentials;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.it.net.CuttableProxy;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's surface: CLI verbs against a running local stack, their tables, JSON and errors.
 */
class CliIT {
  @TempDir Path dir;
  private LocalStack stack;
  private String home;

  @BeforeEach
  void setUp() {
    stack = LocalStack.start(dir, 0, 2, 0);
    home = System.getProperty("user.home");
    System.setProperty(
        "user.home", dir.resolve("home").toString()); // the credentials file goes there
    Credentials.saveCa(stack.managerEndpoint(), stack.clusterCa()); // as 'switchplane up' does
  }

  @AfterEach
  void tearDown() {
    System.setProperty("user.home", home);
    stack.close();
  }

  @Test
  void theCliChecksTheManagerAgainstTheClusterCaAndNeverFallsBackToPlaintext() throws IOException {
    Path credentials = dir.resolve("home").resolve(".switchplane").resolve("credentials");
    Files.delete(credentials);
    Cli.Run unknown = cli("dvs", "list");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err())
        .contains(
            "FAILED_PRECONDITION",
            "no cluster CA is known for manager " + stack.managerEndpoint(),
            "--ca FILE",
            "ca.pem",
            "pki show --pem");

    Path otherCa = dir.resolve("other-ca.pem");
    Files.writeString(
        otherCa,
        Certificates.toPem(
            CertificateAuthority.create(
                    "other", java.time.Duration.ofDays(1), java.time.Clock.systemUTC())
                .certificate()));
    Cli.Run wrongCa = cli("dvs", "list", "--ca", otherCa.toString());
    assertThat(wrongCa.exit()).isNotZero();
    assertThat(wrongCa.err()).contains("UNAVAILABLE", "TLS handshake", "--ca");
    Cli.Run plaintext = cli("dvs", "list", "--insecure-plaintext");
    assertThat(plaintext.exit()).as("a plaintext client of a TLS manager").isNotZero();
    assertThat(plaintext.err()).contains("UNAVAILABLE");

    // --ca once, then login keeps the CA with the token for the endpoint.
    String caFile = stack.manager().caFile().toString();
    Cli.Run admin = cli("user", "add", "root", "--role", "admin", "--ca", caFile);
    assertThat(admin.exit()).as(admin.err()).isZero();
    String token =
        admin
            .out()
            .lines()
            .filter(l -> l.startsWith("token (shown once): "))
            .findFirst()
            .orElseThrow()
            .substring("token (shown once): ".length());
    Path tokenFile = dir.resolve("root.token");
    Files.writeString(tokenFile, token);
    Cli.Run login = cli("login", "--ca", caFile, "--token-file", tokenFile.toString());
    assertThat(login.exit()).as(login.err()).isZero();
    assertThat(login.out()).contains("as root (admin); token and CA kept in");
    assertThat(cli("dvs", "list").exit()).isZero();

    // An operator's certificate: key and CSR on the operator's side, signed by an admin, kept by
    // login.
    assertThat(cli("user", "add", "olga", "--role", "operator").exit()).isZero();
    Path key = dir.resolve("olga.key");
    Cli.Run csr =
        Cli.local("user", "csr", "olga", "--key-out", key.toString()); // on olga's machine
    assertThat(csr.exit()).as(csr.err()).isZero();
    Files.writeString(dir.resolve("olga.csr"), csr.out());
    Cli.Run cert = cli("user", "cert", "olga", "--csr", dir.resolve("olga.csr").toString());
    assertThat(cert.exit()).as(cert.err()).isZero();
    Files.writeString(dir.resolve("olga.pem"), cert.out());
    Cli.Run asOlga =
        cli("login", "--cert", dir.resolve("olga.pem").toString(), "--cert-key", key.toString());
    assertThat(asOlga.exit()).as(asOlga.err()).isZero();
    assertThat(asOlga.out()).contains("as olga (operator)");
    assertThat(cli("whoami").out()).contains("olga (operator)");
  }

  private Cli.Run cli(String... args) {
    return Cli.run(stack.managerEndpoint(), args);
  }

  @Test
  void operatorBuildsASwitchAndReadsItBack() {
    assertThat(cli("dvs", "create", "dvs1", "--uplinks", "uplink1,uplink2").exit()).isZero();
    assertThat(cli("dvs", "add-host", "dvs1", "host-1", "--nic", "uplink1=vmnic0").exit()).isZero();
    assertThat(
            cli("portgroup", "create", "dvs1", "web", "--vlan", "100", "--allow-override", "vlan")
                .exit())
        .isZero();
    assertThat(
            cli(
                    "port",
                    "create",
                    "dvs1",
                    "p1",
                    "--portgroup",
                    "web",
                    "--host",
                    "host-1",
                    "--vm",
                    "4211-aa",
                    "--mac",
                    "00:50:56:00:00:01",
                    "--vlan",
                    "101")
                .exit())
        .isZero();

    Cli.Run list = cli("port", "list", "dvs1");
    assertThat(list.exit()).isZero();
    assertThat(list.out())
        .contains("KEY", "p1", "web", "host-1", "vm 4211-aa 00:50:56:00:00:01", "vlan=101");

    Cli.Run json = cli("portgroup", "list", "dvs1", "--output", "json");
    assertThat(json.out()).contains("\"portGroups\"", "\"name\": \"web\"", "\"accessId\": 100");

    Cli.Run show = cli("dvs", "show", "dvs1");
    assertThat(show.out()).contains("generation:     4", "host-1", "uplink1=vmnic0");

    assertThat(cli("portgroup", "update", "dvs1", "web", "--vlan", "200").exit()).isZero();
    assertThat(cli("portgroup", "list", "dvs1").out()).contains("vlan=200*");
  }

  @Test
  void everyChangeIsInTheLogWithWhoWhyAndOldToNewValues() {
    assertThat(cli("dvs", "create", "dvs1", "--comment", "new switch for rack 7").exit()).isZero();
    assertThat(cli("portgroup", "create", "dvs1", "web", "--vlan", "100").exit()).isZero();
    assertThat(
            cli(
                    "portgroup",
                    "update",
                    "dvs1",
                    "web",
                    "--vlan",
                    "200",
                    "--comment",
                    "CHG-1234 web moves")
                .exit())
        .isZero();

    Cli.Run log = cli("log", "dvs1");
    assertThat(log.exit()).as(log.err()).isZero();
    assertThat(log.out())
        .contains(
            "GENERATION",
            "WHO",
            "FROM",
            "COMMENT",
            "anonymous",
            "127.0.0.1:",
            "CHG-1234 web moves",
            "new switch for rack 7",
            "port-group +0 ~1 -0",
            "create");
    Cli.Run show = cli("log", "show", "dvs1", "3");
    assertThat(show.exit()).as(show.err()).isZero();
    assertThat(show.out())
        .contains(
            "generation 3 of DVS dvs1",
            "by       anonymous from 127.0.0.1:",
            "comment  CHG-1234 web moves",
            "~ port-group web",
            "policy.vlan: value { access_id: 100 } -> value { access_id: 200 }");
    Cli.Run missing = cli("log", "show", "dvs1", "99");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err()).contains("NOT_FOUND", "no record of generation 99");
  }

  @Test
  void operatorsLogInAndTheirRoleDecides() throws IOException {
    String home = System.getProperty("user.home");
    System.setProperty(
        "user.home", dir.resolve("home").toString()); // the credentials file goes there
    try {
      assertThat(cli("whoami").out()).contains("anonymous (admin)", "no operators");
      Cli.Run admin = cli("user", "add", "alice", "--role", "admin");
      assertThat(admin.exit()).as(admin.err()).isZero();
      String adminToken =
          admin
              .out()
              .lines()
              .filter(l -> l.startsWith("token (shown once): "))
              .findFirst()
              .orElseThrow()
              .substring("token (shown once): ".length());

      Cli.Run closed = cli("dvs", "list");
      assertThat(closed.exit()).isNotZero();
      assertThat(closed.err()).contains("UNAUTHENTICATED", "switchplane login");

      Path tokenFile = dir.resolve("alice.token");
      Files.writeString(tokenFile, adminToken + "\n");
      Cli.Run login = cli("login", "--token-file", tokenFile.toString());
      assertThat(login.exit()).as(login.err()).isZero();
      assertThat(login.out()).contains("as alice (admin)");
      Path credentials = dir.resolve("home").resolve(".switchplane").resolve("credentials");
      assertThat(java.nio.file.Files.getPosixFilePermissions(credentials))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      assertThat(cli("dvs", "create", "dvs1", "--comment", "by alice").exit()).isZero();
      assertThat(cli("log", "dvs1").out()).contains("alice", "by alice");

      Cli.Run viewer = cli("user", "add", "victor", "--role", "viewer");
      String viewerToken =
          viewer
              .out()
              .lines()
              .filter(l -> l.startsWith("token (shown once): "))
              .findFirst()
              .orElseThrow()
              .substring("token (shown once): ".length());
      assertThat(cli("user", "list").out())
          .contains("alice", "admin", "victor", "viewer", "anonymous");
      Files.writeString(tokenFile, viewerToken);
      assertThat(cli("login", "--token-file", tokenFile.toString()).out())
          .contains("as victor (viewer)");
      Cli.Run refused = cli("portgroup", "create", "dvs1", "web", "--vlan", "100");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err())
          .contains("PERMISSION_DENIED", "victor is viewer; CreatePortGroup needs operator");
      assertThat(cli("dvs", "list").out()).contains("dvs1");
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void atomicChangeHostHistoryAndEvents() throws IOException {
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", "host-1");
    cli("dvs", "add-host", "dvs1", "host-2");
    cli("portgroup", "create", "dvs1", "web", "--vlan", "100");
    Path change = dir.resolve("change.json");
    Files.writeString(
        change,
        "{\"dvs\": \"dvs1\", \"ops\": ["
            + "{\"createPort\": {\"key\": \"p1\", \"portGroupId\": \"web\", \"hostId\": \"host-1\"}},"
            + "{\"createPort\": {\"key\": \"p2\", \"portGroupId\": \"web\", \"hostId\": \"host-2\"}}]}");

    Cli.Run atomic =
        cli("change", change.toString(), "--mode", "atomic", "--confirm-timeout", "5s");
    assertThat(atomic.exit()).as(atomic.err()).isZero();
    assertThat(atomic.out())
        .contains("COMMITTED", "generation 5", "2 host(s) applied and confirmed");

    assertThat(cli("status", "dvs1", "--watch", "--until-in-sync").exit()).isZero();
    // Each host's certificate expiry, as the manager recorded it at enrollment.
    java.util.Date expires = stack.agent(0).certificate().orElseThrow().getNotAfter();
    assertThat(cli("status", "dvs1").out())
        .contains("CERT EXPIRES", expires.toInstant().toString());
    assertThat(cli("status", "dvs1", "-o", "json").out())
        .contains("\"certNotAfterUnixMs\": \"" + expires.getTime());
    Cli.Run history = cli("host", "history", "host-1", "--dvs", "dvs1");
    assertThat(history.out()).contains("GENERATION", "OUTCOME", "confirmed");
    assertThat(cli("events", "--dvs", "dvs1").out())
        .contains("atomic-committed", "confirmed", "host=host-1");

    Cli.Run badTimeout = cli("change", change.toString(), "--confirm-timeout", "1s");
    assertThat(badTimeout.exit()).isNotZero();
    assertThat(badTimeout.err()).contains("INVALID_ARGUMENT", "confirm timeout");
    assertThat(cli("change", change.toString(), "--mode", "sometimes").err())
        .contains("--mode must be atomic");
  }

  @Test
  void errorsGoToStderrWithTheStatusAndANonZeroExit() {
    cli("dvs", "create", "dvs1");
    Cli.Run badVlan = cli("portgroup", "create", "dvs1", "web", "--vlan", "5000");
    assertThat(badVlan.exit()).isNotZero();
    assertThat(badVlan.err()).contains("INVALID_ARGUMENT", "VLAN 5000 is outside 1-4094");
    assertThat(badVlan.out()).isEmpty();

    Cli.Run notMember =
        cli("port", "create", "dvs1", "p1", "--portgroup", "web", "--host", "host-2");
    assertThat(notMember.exit()).isNotZero();
    assertThat(notMember.err()).containsAnyOf("NOT_FOUND", "FAILED_PRECONDITION");

    Cli.Run unknown = cli("dvs", "show", "nope");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("NOT_FOUND", "nope");

    Cli.Run garbage = cli("portgroup", "create", "dvs1", "web", "--vlan", "trunk:x");
    assertThat(garbage.err()).contains("INVALID_ARGUMENT", "trunk:10-20,30");

    Cli.Run missing = cli("change", dir.resolve("missing.json").toString());
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err()).contains("cannot read", "missing.json: no such file");
  }

  @Test
  void aChangeSetFromAFileIsAllOrNothing() throws IOException {
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", "host-1");
    Path good = dir.resolve("good.json");
    Files.writeString(
        good,
        """
        {"dvs": "dvs1", "ops": [
          {"createPortGroup": {"name": "app", "policy": {"vlan": {"value": {"accessId": 300}}}}},
          {"createPort": {"key": "p7", "portGroupId": "app", "hostId": "host-1"}}]}
        """);
    Cli.Run ok = cli("change", good.toString(), "--expected-generation", "2");
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("committed 2 operation(s)", "generation 3", "1 host(s)");

    Path bad = dir.resolve("bad.json");
    Files.writeString(
        bad,
        """
        {"dvs": "dvs1", "ops": [
          {"createPortGroup": {"name": "other"}},
          {"createPort": {"key": "p7", "portGroupId": "other", "hostId": "host-1"}}]}
        """);
    Cli.Run duplicate = cli("change", bad.toString());
    assertThat(duplicate.exit()).isNotZero();
    assertThat(duplicate.err()).contains("ALREADY_EXISTS", "p7");
    assertThat(cli("portgroup", "list", "dvs1").out()).doesNotContain("other");

    Cli.Run stale = cli("change", good.toString(), "--expected-generation", "2");
    assertThat(stale.err()).contains("ABORTED");
    Cli.Run notJson = cli("change", dir.resolve("missing.json").toString());
    assertThat(notJson.err()).contains("INVALID_ARGUMENT", "cannot read");
    assertThat(cli("dvs", "show", "dvs1").out()).contains("generation:     3");
  }

  @Test
  void aWriteWhoseAnswerWasLostSaysWhetherItWasCommittedAndAtWhichGeneration() throws Exception {
    // The proxy reads the answers' HTTP/2 frames, which it can in plaintext only: a plaintext
    // manager on loopback.
    try (SwitchplaneManager plain =
        new SwitchplaneManager(
                ManagerConfig.local(dir.resolve("plain")).withInsecurePlaintext(true))
            .start()) {
      assertThat(plain.awaitLeadership(java.time.Duration.ofSeconds(30))).isTrue();
      answerLost(plain.endpoint());
    }
  }

  private void answerLost(String endpoint) throws Exception {
    assertThat(Cli.run(endpoint, "dvs", "create", "dvs1", "--insecure-plaintext").exit()).isZero();
    try (CuttableProxy proxy =
        CuttableProxy.start(Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)))) {
      Cli.Run committed =
          runWithAnswerLost(proxy, "portgroup", "create", "dvs1", "web", "--vlan", "100");
      assertThat(committed.exit()).as(committed.err()).isZero();
      assertThat(committed.out())
          .contains(
              "the connection broke during CreatePortGroup (UNAVAILABLE",
              "but the change was committed: DVS dvs1 generation 2");

      // The manager refused this one (the name is taken); its answer is lost all the same.
      Cli.Run refused =
          runWithAnswerLost(proxy, "portgroup", "create", "dvs1", "web", "--vlan", "200");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err())
          .contains(
              "ABORTED: the connection broke during CreatePortGroup",
              "it was NOT committed (DVS dvs1 has no change of request ",
              "run it again");
    }
    assertThat(Cli.run(endpoint, "portgroup", "list", "dvs1", "--insecure-plaintext").out())
        .contains("vlan=100")
        .doesNotContain("vlan=200");
    assertThat(Cli.run(endpoint, "dvs", "show", "dvs1", "--insecure-plaintext").out())
        .contains("generation:     2");
    assertThat(
            Cli.run(endpoint, "log", "dvs1", "--request", "no-such-request", "--insecure-plaintext")
                .out())
        .doesNotContain("dvs1");
  }

  /**
   * Runs the CLI through proxy, which cuts the manager's answer; the path heals while the CLI asks
   * what became of it.
   */
  private static Cli.Run runWithAnswerLost(CuttableProxy proxy, String... args) throws Exception {
    proxy.cutBeforeNextResponse();
    CompletableFuture<Boolean> healed =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return proxy.awaitCut(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              } finally {
                proxy.restore();
              }
            });
    String[] plaintext = java.util.Arrays.copyOf(args, args.length + 1);
    plaintext[args.length] = "--insecure-plaintext";
    Cli.Run run = Cli.run(proxy.endpoint(), plaintext);
    assertThat(healed.get(30, TimeUnit.SECONDS)).as("the proxy cut the answer").isTrue();
    return run;
  }

  @Test
  void waitEndsWhenEveryHostIsInSyncAndFailsInTimeNamingTheHostThatIsNot() {
    assertThat(cli("dvs", "create", "dvs1").exit()).isZero();
    assertThat(
            cli("dvs", "add-host", "dvs1", LocalStack.hostName(0), "--nic", "uplink1=vmnic0")
                .exit())
        .isZero();
    assertThat(
            cli("dvs", "add-host", "dvs1", LocalStack.hostName(1), "--nic", "uplink1=vmnic0")
                .exit())
        .isZero();
    Cli.Run created =
        cli("portgroup", "create", "dvs1", "web", "--vlan", "100", "--wait", "--timeout", "30s");
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(stack.manager().pushEngine().status(stack.dvsId("dvs1")))
        .hasSize(2)
        .allSatisfy(h -> assertThat(h.getState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC));

    stack.agent(1).close(); // host 2 goes away: a change cannot reach it
    Cli.Run stuck =
        cli(
            "port",
            "create",
            "dvs1",
            "p2",
            "--portgroup",
            "web",
            "--host",
            LocalStack.hostName(1),
            "--wait",
            "--timeout",
            "3s");
    assertThat(stuck.exit()).isEqualTo(1);
    assertThat(stuck.err())
        .contains(
            "error: 1 of 2 hosts not in sync after 3s:", "dvs1/" + LocalStack.hostName(1) + ": ");
    Cli.Run watch = cli("status", "dvs1", "--watch", "--until-in-sync", "--timeout", "2s");
    assertThat(watch.exit()).isEqualTo(1);
    assertThat(watch.out()).contains("1/2 hosts in sync");
    assertThat(watch.err()).contains("1 of 2 hosts not in sync after 2s");
    assertThat(cli("status", "dvs1", "--timeout", "soon").err())
        .contains("--timeout 'soon' is not a duration");

    // The manager is fine; the host's agent is not: the hint says which.
    Cli.Run history = cli("host", "history", LocalStack.hostName(1), "--dvs", "dvs1");
    assertThat(history.exit()).isNotZero();
    assertThat(history.err())
        .contains(
            "UNAVAILABLE: agent of host '" + LocalStack.hostName(1) + "'",
            "hint: the manager answered; the host's agent did not")
        .doesNotContain("is a manager running");
  }

  @Test
  void unreachableManagerSaysWhatToDo() {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    int exit =
        cmd.execute(
            "dvs", "list", "--manager", "127.0.0.1:1", "--ca", stack.manager().caFile().toString());
    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("UNAVAILABLE", "switchplane up");
  }
}
