package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as an operator installs it: unpacked into a temporary root (ROOT/opt), config files
 * in ROOT/etc/switchplane, a manager (embedded ZooKeeper) and an agent started from the unpacked
 * tree's launcher with those files, the CLI of the unpacked tree putting the agent's host into a
 * DVS, and both daemons stopped by pid with SIGTERM, as systemd stops them.
 */
class PackageIT {
  private static final Pattern SERVING = Pattern.compile("serving on ([0-9.]+:\\d+)");
  private static final Pattern CA = Pattern.compile("cluster CA in (\\S+)");
  private static final Pattern HTTP = Pattern.compile("status page on (http://[0-9.]+:\\d+/)");

  @TempDir Path root;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopLeftovers() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theTarballInstallsAndRunsManagerAndAgentFromConfigFiles() throws Exception {
    Path home = unpack();
    assertThat(home.resolve("lib/switchplane.jar")).isRegularFile();
    assertThat(home.resolve("config/manager.conf")).isRegularFile();
    assertThat(home.resolve("config/agent.conf")).isRegularFile();
    assertThat(home.resolve("systemd/switchplane-manager.service"))
        .content()
        .contains("ProtectSystem=strict", "NoNewPrivileges=yes", "DynamicUser=yes");
    assertThat(home.resolve("systemd/switchplane-agent.service"))
        .content()
        .contains("CapabilityBoundingSet=CAP_NET_ADMIN", "ProtectSystem=strict");
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/switchplane")))
        .contains(PosixFilePermission.OWNER_EXECUTE);

    Run version = run(home, "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out().strip())
        .matches("switchplane [0-9][^ ]* \\(commit ([0-9a-f]{7,}|unknown)(, modified)?\\)");
    if (Files.exists(Path.of("..", ".git"))) {
      assertThat(version.out()).as("built in a git checkout").doesNotContain("unknown");
    }

    Path etc = Files.createDirectories(root.resolve("etc/switchplane"));
    Path managerData = root.resolve("var/lib/switchplane-manager");
    Path agentData = root.resolve("var/lib/switchplane-agent");
    Files.writeString(
        etc.resolve("manager.conf"),
        "# as config/manager.conf, on loopback and free ports\n"
            + "listen=127.0.0.1:0\n"
            + "data-dir="
            + managerData
            + "\nmetrics=127.0.0.1:0\n"
            + "drift-check-ms=0\n");
    Files.writeString(
        etc.resolve("agent.conf"),
        "name=from-the-file\n"
            + "listen=127.0.0.1:0\n"
            + "data-dir="
            + agentData
            + "\nbackend=memory\n"
            + "insecure-plaintext=true\n");

    Daemon manager = start(home, "manager", "--config", etc.resolve("manager.conf").toString());
    String ca = group(CA, manager.output());
    assertThat(Path.of(ca)).startsWith(managerData).isRegularFile();
    // the command line wins over the file
    Daemon agent =
        start(home, "agent", "--config", etc.resolve("agent.conf").toString(), "--name", "esx-1");
    assertThat(agent.output()).contains("agent esx-1 serving on").doesNotContain("from-the-file");
    assertThat(agentData).isNotEmptyDirectory();

    String[] to = {"--manager", manager.endpoint(), "--ca", ca};
    assertThat(cli(home, to, "host", "add", "esx-1", "--endpoint", agent.endpoint()).exit())
        .isZero();
    assertThat(cli(home, to, "dvs", "create", "dvs1").exit()).isZero();
    assertThat(cli(home, to, "dvs", "add-host", "dvs1", "esx-1").exit()).isZero();
    Run status = cli(home, to, "status", "dvs1", "--watch", "--until-in-sync");
    assertThat(status.exit()).as(status.out()).isZero();
    assertThat(cli(home, to, "status", "dvs1").out())
        .contains("1/1 hosts in sync", "esx-1  in-sync");

    // the status page on the manager's metrics port
    String page = get(group(HTTP, manager.output()));
    assertThat(page).contains("dvs1", "data-host=\"esx-1\"", "data-state=\"IN_SYNC\"");

    assertThat(agent.stop()).as(agent.output()).isIn(0, 143);
    assertThat(manager.stop()).as(manager.output()).isIn(0, 143);
  }

  @Test
  void anUnknownKeyInTheConfigFileIsRefusedByName() throws Exception {
    Path home = unpack();
    Path conf = root.resolve("agent.conf");
    Files.writeString(conf, "listen=127.0.0.1:0\nlisten-port=7401\n");
    Run bad = run(home, "agent", "--config", conf.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.out())
        .contains("unknown key 'listen-port'", conf.toString())
        .doesNotContain("serving on");
    Run missing = run(home, "manager", "--config", root.resolve("nope.conf").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.out()).contains("nope.conf: no such file");
  }

  /** Unpacks the tarball with tar into ROOT/opt; returns the unpacked tree. */
  private Path unpack() throws IOException, InterruptedException {
    Path tarball = Path.of(System.getProperty("switchplane.tarball"));
    assertThat(tarball).as("built by 'mvn package' (module dist)").isRegularFile();
    Path opt = Files.createDirectories(root.resolve("opt"));
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", opt.toString())
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();
    try (var listing = Files.list(opt)) {
      return listing.filter(Files::isDirectory).findFirst().orElseThrow();
    }
  }

  private record Run(int exit, String out) {}

  private Run cli(Path home, String[] to, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(to));
    return run(home, all.toArray(String[]::new));
  }

  /** bin/switchplane ARGS to its end, output and errors together. */
  private Run run(Path home, String... args) throws Exception {
    Path log = Files.createTempFile(root, "run", ".log");
    Process p = launcher(home, log, args).start();
    started.add(p);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(log));
  }

  private ProcessBuilder launcher(Path home, Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(home.resolve("bin/switchplane").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(root.toFile()) // not the source tree: the launcher must find lib/ itself
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("HOME", Files.createDirectories(root.resolve("home")).toString());
    // no resident CLI left behind (ResidentCliIT tests it, and stops the one it starts)
    env.put("SWITCHPLANE_RESIDENT", "0");
    env.put(
        "SWITCHPLANE_JAVA_OPTS",
        "-Xmx256m -Djava.io.tmpdir=" + Files.createDirectories(root.resolve("tmp")));
    return pb;
  }

  /** A daemon of the unpacked tree, started with its output in a log file. */
  private record Daemon(Process process, Path log, String endpoint) {
    String output() throws IOException {
      return Files.readString(log);
    }

    /** SIGTERM by pid, as systemd stops a unit; returns the exit status. */
    int stop() throws Exception {
      Process kill =
          new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).inheritIO().start();
      assertThat(kill.waitFor()).isZero();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return process.exitValue();
    }
  }

  private Daemon start(Path home, String... args) throws Exception {
    Path log = Files.createTempFile(root, args[0], ".log");
    Process p = launcher(home, log, args).start();
    started.add(p);
    String[] endpoint = new String[1];
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              String out = Files.readString(log);
              if (!p.isAlive()) {
                throw new IllegalStateException(
                    args[0] + " exited with " + p.exitValue() + ":\n" + out);
              }
              Matcher m = SERVING.matcher(out);
              if (m.find() && (!args[0].equals("manager") || HTTP.matcher(out).find())) {
                endpoint[0] = m.group(1);
                return true;
              }
              return false;
            });
    return new Daemon(p, log, endpoint[0]);
  }

  private static String group(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as("%s in:%n%s", pattern, text).isTrue();
    return m.group(1);
  }

  private static String get(String url) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
    return r.body();
  }
}
