package io.switchplane.it.net;

import io.switchplane.bench.OvsSandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Open vSwitch of a test's own ({@link OvsSandbox}: daemons started by hand in a network
 * namespace the test made, stopped by pid file, namespace deleted on close).
 *
 * <p>Needs root and Debian's openvswitch-switch. Without them the test is skipped with a message
 * saying how to run it, unless {@code SWITCHPLANE_REQUIRE_OVS=1} (set by {@code .ci/run}): then a
 * missing prerequisite fails the test.
 */
public final class OvsInstance implements AutoCloseable {
  private final OvsSandbox sandbox;

  private OvsInstance(OvsSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** Skips (or, in CI, fails) unless root and Open vSwitch are here. */
  public static void assumeAvailable() {
    String missing = OvsSandbox.missingPrerequisite();
    if (missing == null) {
      return;
    }
    String how =
        "needs "
            + missing
            + "; run as root after 'apt-get install -y openvswitch-switch iproute2', "
            + "as .ci/run does";
    if ("1".equals(System.getenv("SWITCHPLANE_REQUIRE_OVS"))) {
      throw new AssertionError(
          "Open vSwitch tests are required here (SWITCHPLANE_REQUIRE_OVS=1) but this machine "
              + how);
    }
    Assumptions.abort("skipped: " + how);
  }

  /** Starts ovsdb-server and ovs-vswitchd in a new namespace name, with files in dir. */
  public static OvsInstance start(Path dir, String name) {
    assumeAvailable();
    return new OvsInstance(OvsSandbox.start(dir, name));
  }

  /** The ovsdb-server to give the agent: unix:PATH. */
  public String db() {
    return sandbox.db();
  }

  public String namespace() {
    return sandbox.namespace();
  }

  /**
   * Runs ovs-vsctl ARGS against this instance (as an operator changing OVS by hand); returns
   * stdout.
   */
  public String vsctl(String... args) {
    return sandbox.vsctl(args);
  }

  /** Restarts ovsdb-server on the same database (stopped by its pid file). */
  public void restartOvsdbServer() {
    sandbox.restartOvsdbServer();
  }

  /** Restarts ovs-vswitchd (stopped by its pid file); its bridges come back without flows. */
  public void restartVswitchd() {
    sandbox.restartVswitchd();
  }

  /** Runs ovs-ofctl (OpenFlow 1.4) against bridge with args before and after the target. */
  public String ofctl(String command, String bridge, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                namespace(),
                "ovs-ofctl",
                "-O",
                "OpenFlow14",
                command,
                "unix:"
                    + Path.of(db().substring("unix:".length())).resolveSibling(bridge + ".mgmt")));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(new String[0]));
  }

  /**
   * The access VLAN of port on bridge as the backend keeps it ("[]" when none): its {@code tag}
   * column with ovs; with ovs-openflow, the VID its ingress flow tags untagged frames with.
   */
  public String accessVlan(String backend, String bridge, String port) {
    if (!"ovs-openflow".equals(backend)) {
      return vsctl("get", "port", port, "tag").strip();
    }
    String ofport = vsctl("get", "interface", port, "ofport").strip();
    Matcher m =
        Pattern.compile("set_field:(\\d+)->vlan_vid,goto_table")
            .matcher(ofctl("dump-flows", bridge, "table=0,in_port=" + ofport));
    return m.find() ? Integer.toString(Integer.parseInt(m.group(1)) & 0xfff) : "[]";
  }

  /**
   * Changes port's VLAN on bridge by hand, outside the agent: its tag column with ovs (to 999);
   * with ovs-openflow, its ingress flows deleted.
   */
  public void changeVlanByHand(String backend, String bridge, String port) {
    if (!"ovs-openflow".equals(backend)) {
      vsctl("set", "port", port, "tag=999");
      return;
    }
    String ofport = vsctl("get", "interface", port, "ofport").strip();
    ofctl("del-flows", bridge, "table=0,in_port=" + ofport);
  }

  /** Runs a command, failing with its output when it fails; returns stdout. */
  public static String run(String... cmd) {
    return OvsSandbox.run(cmd);
  }

  @Override
  public void close() {
    sandbox.close();
  }
}
