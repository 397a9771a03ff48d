package io.switchplane.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An Open vSwitch of its own for one simulated host: ovsdb-server and ovs-vswitchd (userspace
 * datapath) started by hand inside a new network namespace, so that its bridges and internal ports
 * live there and vanish with it (userspace vswitchds clash when two share a namespace: each makes a
 * device named ovs-netdev). Stopped by its pid files, never by name. Needs root and Debian's
 * openvswitch-switch.
 */
public final class OvsSandbox implements AutoCloseable {
  private final Path dir;
  private final String namespace;
  private boolean namespaceMade;

  private OvsSandbox(Path dir, String namespace) {
    this.dir = dir;
    this.namespace = namespace;
  }

  /** What is missing on this machine to run one (null: nothing). */
  public static String missingPrerequisite() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "root (network namespaces and Open vSwitch)";
    }
    if (!Files.isExecutable(Path.of("/usr/bin/ovs-vsctl"))
        || !Files.isExecutable(Path.of("/usr/sbin/ovs-vswitchd"))) {
      return "Open vSwitch (apt-get install openvswitch-switch)";
    }
    return null;
  }

  /** Starts the daemons in a new namespace with files in dir. */
  public static OvsSandbox start(Path dir, String namespace) {
    OvsSandbox ovs = new OvsSandbox(dir, namespace);
    try {
      Files.createDirectories(dir);
      Files.createDirectories(
          Path.of("/var/run/openvswitch")); // ovs-vswitchd wants it for its own socket
      run("ip", "netns", "add", namespace);
      ovs.namespaceMade = true;
      run(
          "ovsdb-tool",
          "create",
          dir.resolve("conf.db").toString(),
          "/usr/share/openvswitch/vswitch.ovsschema");
      ovs.startOvsdbServer();
      run("ovs-vsctl", "--db=" + ovs.db(), "--no-wait", "init");
      ovs.startVswitchd();
      return ovs;
    } catch (IOException e) {
      ovs.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      ovs.close();
      throw e;
    }
  }

  private void startOvsdbServer() {
    run(
        "ip",
        "netns",
        "exec",
        namespace,
        "ovsdb-server",
        dir.resolve("conf.db").toString(),
        "--remote=punix:" + dir.resolve("db.sock"),
        "--unixctl=" + dir.resolve("ovsdb.ctl"),
        "--pidfile=" + dir.resolve("ovsdb.pid"),
        "--detach",
        "--log-file=" + dir.resolve("ovsdb.log"));
  }

  private void startVswitchd() {
    run(
        "ip",
        "netns",
        "exec",
        namespace,
        // Its bridges' management sockets (BRIDGE.mgmt, what ovs-ofctl talks to) beside the
        // database socket, where the agent looks for them: two sandboxes may have a bridge of the
        // same name.
        "env",
        "OVS_RUNDIR=" + dir,
        "ovs-vswitchd",
        db(),
        "--unixctl=" + dir.resolve("vswitchd.ctl"),
        "--pidfile=" + dir.resolve("vswitchd.pid"),
        "--detach",
        "--log-file=" + dir.resolve("vswitchd.log"));
  }

  /**
   * Stops ovs-vswitchd (by its pid file) and starts it again: the bridges come back from the
   * database, without their OpenFlow flows.
   */
  public void restartVswitchd() {
    stop(dir.resolve("vswitchd.pid"));
    startVswitchd();
  }

  /**
   * Stops ovsdb-server (by its pid file) and starts it again on the same database, as an operator's
   * restart does.
   */
  public void restartOvsdbServer() {
    stop(dir.resolve("ovsdb.pid"));
    startOvsdbServer();
  }

  /** The ovsdb-server, as the agent's --ovsdb wants it: unix:PATH. */
  public String db() {
    return "unix:" + dir.resolve("db.sock");
  }

  public String namespace() {
    return namespace;
  }

  /** Runs ovs-vsctl ARGS against this instance; returns stdout. */
  public String vsctl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db(), "--timeout=10"));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(new String[0]));
  }

  /** Runs a command; IllegalStateException with its output when it fails; returns stdout. */
  public static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 30 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    }
  }

  /**
   * Stops the daemons by their pid files and deletes the namespace (with every device OVS made
   * there).
   */
  @Override
  public void close() {
    for (String pidFile : List.of("vswitchd.pid", "ovsdb.pid")) {
      stop(dir.resolve(pidFile));
    }
    if (namespaceMade) {
      run("ip", "netns", "del", namespace);
      namespaceMade = false;
    }
  }

  /** Stops the daemon of a pid file (TERM, then KILL after 10 s) and waits until it is gone. */
  private static void stop(Path file) {
    try {
      if (Files.exists(file)) {
        long pid = Long.parseLong(Files.readString(file).trim());
        ProcessHandle.of(pid)
            .ifPresent(
                h -> {
                  h.destroy();
                  h.onExit()
                      .orTimeout(10, TimeUnit.SECONDS)
                      .exceptionally(
                          t -> {
                            h.destroyForcibly();
                            return h;
                          })
                      .join();
                });
      }
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot stop the daemon of " + file, e);
    }
  }
}
