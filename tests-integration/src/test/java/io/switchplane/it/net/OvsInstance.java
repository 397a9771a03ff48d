package io.switchplane.it.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Open vSwitch of a test's own: ovsdb-server and ovs-vswitchd (userspace datapath)
 * started by hand inside a network namespace the test made, so that the bridges and internal
 * ports it creates live there and vanish with it. Stopped by their pid files, never by name.
 *
 * <p>Needs root and Debian's openvswitch-switch. Without them the test is skipped with a message
 * saying how to run it, unless {@code SWITCHPLANE_REQUIRE_OVS=1} (set by {@code .ci/run}): then a
 * missing prerequisite fails the test.
 */
public final class OvsInstance implements AutoCloseable {
  private final Path dir;
  private final String namespace;
  private boolean namespaceMade;

  private OvsInstance(Path dir, String namespace) {
    this.dir = dir;
    this.namespace = namespace;
  }

  /** Skips (or, in CI, fails) unless root and Open vSwitch are here. */
  public static void assumeAvailable() {
    String missing = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      missing = "root (network namespaces and Open vSwitch)";
    } else if (!Files.isExecutable(Path.of("/usr/bin/ovs-vsctl")) || !Files.isExecutable(Path.of("/usr/sbin/ovs-vswitchd"))) {
      missing = "Open vSwitch (apt-get install openvswitch-switch)";
    }
    if (missing == null) {
      return;
    }
    String how = "needs " + missing + "; run as root after 'apt-get install -y openvswitch-switch iproute2', "
        + "as .ci/run does";
    if ("1".equals(System.getenv("SWITCHPLANE_REQUIRE_OVS"))) {
      throw new AssertionError("Open vSwitch tests are required here (SWITCHPLANE_REQUIRE_OVS=1) but this machine " + how);
    }
    Assumptions.abort("skipped: " + how);
  }

  /** Starts ovsdb-server and ovs-vswitchd in a new namespace name, with files in dir. */
  public static OvsInstance start(Path dir, String name) {
    assumeAvailable();
    OvsInstance ovs = new OvsInstance(dir, name);
    try {
      Files.createDirectories(dir);
      Files.createDirectories(Path.of("/var/run/openvswitch")); // ovs-vswitchd wants it for its own socket
      run("ip", "netns", "add", name);
      ovs.namespaceMade = true;
      run("ovsdb-tool", "create", dir.resolve("conf.db").toString(), "/usr/share/openvswitch/vswitch.ovsschema");
      ovs.inNamespace("ovsdb-server", dir.resolve("conf.db").toString(), "--remote=punix:" + ovs.socket(),
          "--unixctl=" + dir.resolve("ovsdb.ctl"), "--pidfile=" + dir.resolve("ovsdb.pid"), "--detach",
          "--log-file=" + dir.resolve("ovsdb.log"));
      run("ovs-vsctl", "--db=" + ovs.db(), "--no-wait", "init");
      ovs.inNamespace("ovs-vswitchd", ovs.db(), "--unixctl=" + dir.resolve("vswitchd.ctl"),
          "--pidfile=" + dir.resolve("vswitchd.pid"), "--detach", "--log-file=" + dir.resolve("vswitchd.log"));
      return ovs;
    } catch (RuntimeException | IOException e) {
      ovs.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** The ovsdb-server to give the agent: unix:PATH. */
  public String db() {
    return "unix:" + socket();
  }

  private Path socket() {
    return dir.resolve("db.sock");
  }

  public String namespace() {
    return namespace;
  }

  /** Runs ovs-vsctl ARGS against this instance (as an operator changing OVS by hand); returns stdout. */
  public String vsctl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db(), "--timeout=10"));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(new String[0]));
  }

  private void inNamespace(String... cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(cmd));
    run(full.toArray(new String[0]));
  }

  /** Runs a command, failing with its output when it fails; returns stdout. */
  public static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", String.join(" ", cmd)).isTrue();
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    }
  }

  /** Stops the daemons by their pid files and removes the namespace (and with it every device OVS made). */
  @Override
  public void close() {
    for (String pidFile : List.of("vswitchd.pid", "ovsdb.pid")) {
      Path file = dir.resolve(pidFile);
      try {
        if (Files.exists(file)) {
          long pid = Long.parseLong(Files.readString(file).trim());
          ProcessHandle.of(pid).ifPresent(h -> {
            h.destroy();
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> {
              h.destroyForcibly();
              return h;
            }).join();
          });
        }
      } catch (IOException | NumberFormatException e) {
        throw new IllegalStateException("cannot stop the daemon of " + file, e);
      }
    }
    if (namespaceMade) {
      run("ip", "netns", "del", namespace);
      namespaceMade = false;
    }
  }
}
