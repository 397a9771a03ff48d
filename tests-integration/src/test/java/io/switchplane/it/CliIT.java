package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.HostSyncState;
import io.switchplane.cli.ExitCode;
import io.switchplane.cli.Main;
import io.switchplane.cli.ops.Credentials;
import io.switchplane.cli.output.Describe;
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
import java.util.List;
import java.util.UUID;
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
    String token = token(cli("user", "add", "root", "--role", "admin", "--ca", caFile));
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

    Cli.Run explain = cli("port", "show", "dvs1", "p1", "--explain");
    assertThat(explain.exit()).isZero();
    assertThat(explain.out())
        .as("the port's vlan overrides the port group's, which allows it")
        .containsPattern("vlan\\s+101\\s+port\\s+")
        .containsPattern("mtu\\s+1500\\s+built-in default\\s+yes")
        .containsPattern("teaming\\s+active=uplink1,uplink2\\s+built-in default");
    Cli.Run explainJson = cli("port", "show", "dvs1", "p1", "--explain", "-o", "json");
    assertThat(explainJson.out()).contains("\"field\": \"vlan\"", "\"from\": \"port\"");
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
      String adminToken = token(cli("user", "add", "alice", "--role", "admin"));

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

      String viewerToken = token(cli("user", "add", "victor", "--role", "viewer"));
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
  void aNetworkManagerPublishesAndOperatorsAttachPortsButCannotChangeItsNetwork()
      throws IOException {
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.resolve("home").toString());
    try {
      Path tokenFile = dir.resolve("token");
      String root = token(cli("user", "add", "root", "--role", "admin"));
      Files.writeString(tokenFile, root);
      assertThat(cli("login", "--token-file", tokenFile.toString()).exit()).isZero();
      cli("dvs", "create", "dvs1");
      cli("dvs", "add-host", "dvs1", "host-1");
      String nsx = token(cli("netmgr", "add", "nsx"));
      String olga = token(cli("user", "add", "olga", "--role", "operator"));
      assertThat(cli("user", "list").out()).contains("nsx", "network-manager");
      String id = UUID.randomUUID().toString();

      Files.writeString(tokenFile, nsx);
      assertThat(cli("login", "--token-file", tokenFile.toString()).out())
          .contains("as nsx (network-manager)");
      Cli.Run published = cli("netmgr", "publish", "dvs1", "seg", "--id", id, "--vlan", "300");
      assertThat(published.exit()).as(published.err()).isZero();
      assertThat(published.out()).contains("published network seg (" + id + ") in DVS dvs1");

      Files.writeString(tokenFile, olga);
      assertThat(cli("login", "--token-file", tokenFile.toString()).exit()).isZero();
      Cli.Run attached =
          cli("port", "create", "dvs1", "p1", "--portgroup", "seg", "--host", "host-1", "--wait");
      assertThat(attached.exit()).as(attached.err()).isZero();
      assertThat(cli("portgroup", "list", "dvs1").out().lines())
          .anySatisfy(l -> assertThat(l).startsWith("seg ").endsWith(id + "  nsx"));
      assertThat(cli("portgroup", "show", "dvs1", "seg").out()).contains("owner:           nsx\n");
      Cli.Run refused = cli("portgroup", "update", "dvs1", "seg", "--vlan", "301");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err())
          .contains("PERMISSION_DENIED", "port group 'seg' is owned by network manager 'nsx'");
      Cli.Run notMine = cli("netmgr", "withdraw", id);
      assertThat(notMine.err())
          .contains("PERMISSION_DENIED", "olga is operator; WithdrawNetwork needs network-manager");
      assertThat(cli("netmgr", "networks").out())
          .containsPattern("nsx +dvs1 +seg +" + id + " +1 +vlan=300");
      // Listing network managers reads the users: an admin's.
      assertThat(cli("netmgr", "list").err()).contains("olga is operator; ListUsers needs admin");
      Files.writeString(tokenFile, root);
      assertThat(cli("login", "--token-file", tokenFile.toString()).exit()).isZero();
      assertThat(cli("netmgr", "list").out()).containsPattern("nsx +1 ");
    } finally {
      System.setProperty("user.home", home);
    }
  }

  /** The token a `user add` or `netmgr add` printed. */
  private static String token(Cli.Run added) {
    assertThat(added.exit()).as(added.err()).isZero();
    return added
        .out()
        .lines()
        .filter(l -> l.startsWith("token (shown once): "))
        .findFirst()
        .orElseThrow()
        .substring("token (shown once): ".length());
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
        .contains("CERT EXPIRES", Describe.time(expires.getTime()));
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
  void previewPartialUpdatesAndWritesThatChangeNothing() throws IOException {
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", "host-1");
    cli("portgroup", "create", "dvs1", "web", "--vlan", "100", "--num-ports", "16");
    cli("port", "create", "dvs1", "p1", "--portgroup", "web", "--host", "host-1");
    cli("snapshot", "create", "dvs1", "--name", "before");
    String at4 = "generation:     4";
    assertThat(cli("dvs", "show", "dvs1").out()).contains(at4);

    // Preview: the hosts that would get a new state and each field old -> new; nothing written.
    Cli.Run preview = cli("portgroup", "update", "dvs1", "web", "--vlan", "200", "--dry-run");
    assertThat(preview.exit()).as(preview.err()).isZero();
    assertThat(preview.out())
        .contains(
            "host-1",
            "~ port-group web",
            "policy.vlan: value { access_id: 100 } -> value { access_id: 200 }",
            "dry run: nothing written; committing would make generation 5",
            "push 1 host(s)");
    assertThat(cli("dvs", "show", "dvs1").out()).contains(at4);
    Cli.Run previewJson = cli("port", "delete", "dvs1", "p1", "--dry-run", "--output", "json");
    assertThat(previewJson.out()).contains("\"dryRun\": true", "\"hostName\": \"host-1\"");
    assertThat(cli("port", "list", "dvs1").out()).contains("p1");

    // An update that sets what is there: no generation, nothing pushed.
    Cli.Run same = cli("portgroup", "update", "dvs1", "web", "--vlan", "100");
    assertThat(same.exit()).as(same.err()).isZero();
    assertThat(same.out()).contains("nothing to change", "generation 4 stays");
    assertThat(cli("dvs", "show", "dvs1").out()).contains(at4);

    // A partial update keeps what it does not name; a stale generation is refused.
    assertThat(cli("portgroup", "update", "dvs1", "web", "--num-ports", "32").exit()).isZero();
    assertThat(cli("portgroup", "list", "dvs1").out()).contains("vlan=100", "32");
    Cli.Run stale =
        cli("portgroup", "update", "dvs1", "web", "--num-ports", "8", "--expected-generation", "4");
    assertThat(stale.exit()).isNotZero();
    assertThat(stale.err()).contains("ABORTED", "at generation 5, not the expected 4", "retry");

    // A change file: a masked update, a dry run, a bad mask path, a change set that changes
    // nothing.
    Path masked = dir.resolve("masked.json");
    Files.writeString(
        masked,
        """
        {"dvs": "dvs1", "ops": [{"updatePortGroup": {"portGroup": "web",
          "settings": {"description": "front end"}, "updateMask": "description"}}]}
        """);
    Cli.Run dry = cli("change", masked.toString(), "--dry-run");
    assertThat(dry.out()).contains("description: (unset) -> front end", "dry run: nothing written");
    assertThat(cli("change", masked.toString()).out()).contains("generation 6");
    assertThat(cli("portgroup", "list", "dvs1").out()).contains("vlan=100");
    Cli.Run again = cli("change", masked.toString());
    assertThat(again.out()).contains("nothing to change", "generation 6 stays");
    Path badMask = dir.resolve("bad-mask.json");
    Files.writeString(
        badMask,
        """
        {"dvs": "dvs1", "ops": [{"updatePortGroup": {"portGroup": "web",
          "settings": {}, "updateMask": "id"}}]}
        """);
    Cli.Run bad = cli("change", badMask.toString());
    assertThat(bad.err()).contains("INVALID_ARGUMENT", "update_mask path 'id'");
    assertThat(cli("dvs", "show", "dvs1").out()).contains("generation:     6");

    // snapshot diff shows values, not only field names.
    Cli.Run diff = cli("snapshot", "diff", "before", "--current", "--dvs", "dvs1");
    assertThat(diff.exit()).as(diff.err()).isZero();
    assertThat(diff.out()).contains("~ port-group web", "num_ports: 32 -> 16");
  }

  @Test
  void applyMakesTheSwitchMatchTheFileOnceAndThenHasNothingToDo() throws IOException {
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", "host-1");
    cli("portgroup", "create", "dvs1", "old");
    cli("port", "create", "dvs1", "stray", "--portgroup", "old");
    Path yaml = dir.resolve("dvs.yaml");
    Files.writeString(
        yaml,
        """
        dvs: dvs1
        portGroups:
          - {name: web, binding: PORT_BINDING_STATIC, numPorts: 16,
             policy: {vlan: {value: {accessId: 100}}}}
        ports:
          - {key: p1, portGroupId: web, hostId: host-1}
        """);

    Cli.Run preview = cli("apply", "-f", yaml.toString(), "--prune", "--dry-run");
    assertThat(preview.exit()).as(preview.err()).isZero();
    assertThat(preview.out()).contains("+ port-group web", "+ port p1", "- port stray", "host-1");
    assertThat(cli("dvs", "show", "dvs1").out()).contains("generation:     4");

    Cli.Run applied = cli("apply", "-f", yaml.toString(), "--prune");
    assertThat(applied.exit()).as(applied.err()).isZero();
    assertThat(applied.out()).contains("generation 5", "1 host(s)");
    assertThat(cli("port", "list", "dvs1").out()).contains("p1").doesNotContain("stray");
    assertThat(cli("portgroup", "list", "dvs1").out()).contains("vlan=100").doesNotContain("old");

    Cli.Run again = cli("apply", "-f", yaml.toString(), "--prune");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("nothing to change", "generation 5 stays");
    assertThat(cli("dvs", "show", "dvs1").out()).contains("generation:     5");
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
    assertThat(stack.manager().pushEngine().statusBook().list(stack.dvsId("dvs1")))
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
    assertThat(stuck.exit()).isEqualTo(ExitCode.NOT_IN_SYNC);
    assertThat(stuck.err())
        .contains(
            "error: 1 of 2 hosts not in sync after 3s:", "dvs1/" + LocalStack.hostName(1) + ": ");
    Cli.Run watch = cli("status", "dvs1", "--watch", "--until-in-sync", "--timeout", "2s");
    assertThat(watch.exit()).isEqualTo(ExitCode.NOT_IN_SYNC);
    assertThat(watch.out()).contains("1/2 hosts in sync");
    assertThat(watch.err()).contains("1 of 2 hosts not in sync after 2s");
    assertThat(cli("status", "dvs1", "--timeout", "soon").err())
        .contains("--timeout 'soon' is not a duration");

    // The manager is fine; the host's agent is not: the hint says which.
    Cli.Run history = cli("host", "history", LocalStack.hostName(1), "--dvs", "dvs1");
    assertThat(history.exit()).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(history.err())
        .contains(
            "UNAVAILABLE: agent of host '" + LocalStack.hostName(1) + "'",
            "hint: the manager answered; the host's agent did not")
        .doesNotContain("is a manager running");
  }

  @Test
  void hostHistoryAfterARollbackShowsTheRollbackAsARowOfItsOwn() {
    String host = LocalStack.hostName(0);
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", host);
    cli("portgroup", "create", "dvs1", "web", "--vlan", "100");
    cli("port", "create", "dvs1", "p1", "--portgroup", "web", "--host", host, "--wait");
    assertThat(cli("portgroup", "update", "dvs1", "web", "--vlan", "200", "--wait").exit())
        .isZero();
    List<String> before = cli("host", "history", host, "--dvs", "dvs1").out().lines().toList();
    String newest = before.get(1).split(" +")[0];
    String previousRow = before.get(2); // the generation before the VLAN change (port p1 made)
    String previous = previousRow.split(" +")[0];

    Cli.Run rollback = cli("host", "rollback", host, "--dvs", "dvs1", "--to-generation", previous);
    assertThat(rollback.exit()).as(rollback.err()).isZero();

    Cli.Run history = cli("host", "history", host, "--dvs", "dvs1");
    List<String> rows = history.out().lines().toList();
    assertThat(rows.get(0)).startsWith("GENERATION  EVENT");
    assertThat(rows.get(1))
        .startsWith(previous + " ")
        .contains("rollback from " + newest, "confirmed", "operator");
    // That generation's row as it was (time and outcome); columns are as wide as the new rows.
    assertThat(rows.stream().map(r -> r.replaceAll(" +", " ")))
        .contains(previousRow.replaceAll(" +", " "));
    assertThat(cli("host", "history", host, "--dvs", "dvs1", "-o", "json").out())
        .contains(
            "\"kind\": \"HISTORY_ENTRY_KIND_ROLLBACK\"", "\"fromGeneration\": \"" + newest + "\"");
  }

  @Test
  void exitCodesTellTheClassAndMayExistMakesCreatesRepeatable() {
    assertThat(cli("dvs", "create", "dvs1", "--uplinks", "uplink1,uplink2").exit()).isZero();
    Cli.Run again = cli("dvs", "create", "dvs1", "--uplinks", "uplink1,uplink2");
    assertThat(again.exit()).isEqualTo(ExitCode.ALREADY_EXISTS);
    Cli.Run same = cli("dvs", "create", "dvs1", "--uplinks", "uplink1,uplink2", "--may-exist");
    assertThat(same.exit()).as(same.err()).isZero();
    assertThat(same.out()).contains("DVS dvs1 exists already with these settings");
    Cli.Run other = cli("dvs", "create", "dvs1", "--uplinks", "uplink9", "--may-exist");
    assertThat(other.exit()).isEqualTo(ExitCode.ALREADY_EXISTS);
    assertThat(other.err()).contains("other settings (uplinks differ)");

    assertThat(cli("dvs", "show", "nope").exit()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(cli("portgroup", "create", "dvs1", "web", "--vlan", "5000").exit())
        .isEqualTo(ExitCode.USAGE);

    String host = LocalStack.hostName(0);
    String[] addHost = {"dvs", "add-host", "dvs1", host, "--nic", "uplink1=vmnic0"};
    assertThat(cli(addHost).exit()).isZero();
    assertThat(cli(addHost).exit()).isEqualTo(ExitCode.ALREADY_EXISTS);
    assertThat(cli(append(addHost, "--may-exist")).exit()).isZero();
    String[] pg = {"portgroup", "create", "dvs1", "web", "--vlan", "100", "--num-ports", "4"};
    assertThat(cli(pg).exit()).isZero();
    assertThat(cli(append(pg, "--may-exist")).exit()).isZero();
    assertThat(cli("portgroup", "create", "dvs1", "web", "--vlan", "101", "--may-exist").err())
        .contains("policy");
    String[] port = {"port", "create", "dvs1", "p1", "--portgroup", "web", "--host", host};
    assertThat(cli(port).exit()).isZero();
    assertThat(cli(append(port, "--may-exist")).exit()).isZero();
    assertThat(cli("host", "add", host, "--endpoint", "127.0.0.1:1", "--may-exist").exit())
        .isEqualTo(ExitCode.ALREADY_EXISTS);
    // A port group still in use: the state forbids it.
    assertThat(cli("portgroup", "delete", "dvs1", "web").exit()).isEqualTo(ExitCode.REFUSED);
  }

  @Test
  void humanOutputShowsNamesReadableValuesAndTheFormatsAsked() throws IOException {
    String host = LocalStack.hostName(0);
    cli("dvs", "create", "dvs1");
    cli("dvs", "add-host", "dvs1", host, "--nic", "uplink1=vmnic0", "--nic", "uplink2=vmnic1");
    cli("portgroup", "create", "dvs1", "web", "--num-ports", "16", "--auto-expand");
    cli("port", "create", "dvs1", "p1", "--portgroup", "web", "--host", host, "--wait");

    assertThat(cli("dvs", "show", "dvs1").out())
        .contains(host + "  uplink1=vmnic0,uplink2=vmnic1")
        .doesNotContain("{");
    String dvsId = stack.dvsId("dvs1");
    assertThat(cli("dvs", "list").out()).contains("dvs1").doesNotContain(dvsId);
    assertThat(cli("dvs", "list", "-o", "wide").out()).contains(dvsId);
    assertThat(cli("dvs", "list", "--no-headers").out()).startsWith("dvs1 ");
    assertThat(cli("dvs", "list", "-o", "yaml").out())
        .contains("switches:\n  - id: ", "    name: dvs1\n");

    List<String> groups = cli("portgroup", "list", "dvs1").out().lines().toList();
    assertThat(groups.get(0)).contains("BINDING  PORTS  CAPACITY");
    assertThat(groups.get(0)).endsWith(" OWNER");
    assertThat(groups.get(1)).contains("web   static   1      16+").endsWith(" -");
    String[] cells = groups.get(1).trim().split(" +");
    String logical = cells[cells.length - 2];
    assertThat(UUID.fromString(logical)).isNotNull();
    assertThat(cli("portgroup", "show", "dvs1", "web").out())
        .contains("logical network: " + logical + "\nowner:           -\n");

    // A port group made by a change set without a binding reads back as static, like the CLI's.
    Path change = dir.resolve("db.json");
    Files.writeString(
        change, "{\"dvs\": \"dvs1\", \"ops\": [{\"createPortGroup\": {\"name\": \"db\"}}]}");
    assertThat(cli("change", change.toString()).exit()).isZero();
    assertThat(cli("portgroup", "list", "dvs1").out().lines())
        .anySatisfy(l -> assertThat(l).startsWith("db ").contains(" static "));
    assertThat(cli("portgroup", "list", "dvs1", "-o", "json").out())
        .doesNotContain("PORT_BINDING_UNSPECIFIED");

    String events = cli("events", "--dvs", "dvs1").out();
    assertThat(events).contains("dvs=dvs1 ").doesNotContain("dvs=" + dvsId);
    assertThat(events).contains("confirm within ").doesNotContainPattern("confirm by \\d{13}");

    assertThat(cli("vcenter", "status").out()).contains("no vCenter is configured");
  }

  private static String[] append(String[] args, String... more) {
    String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, out, args.length, more.length);
    return out;
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
