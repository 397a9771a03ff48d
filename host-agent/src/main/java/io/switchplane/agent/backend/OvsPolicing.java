package io.switchplane.agent.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * OVS ingress policing of the ports of the ovs backend ({@code ingress_policing_rate} and {@code
 * ingress_policing_burst} of the Interface, kbit/s and kbit; 0 turns policing off), for the qos
 * property module. Kept apart from {@link OvsBackend}: policing is a module's business, not part of
 * a port's effective config, and the backend does not know it exists. One {@code ovs-vsctl} run per
 * call, so all ports change in one OVSDB transaction or none does; {@code --if-exists}, so a port
 * the same apply removed is skipped.
 */
public final class OvsPolicing {
  /** How long one ovs-vsctl run may wait for ovsdb-server, in seconds. */
  private static final int TIMEOUT_S = 10;

  /** One port's policing: rate in kbit/s (0: off) and burst in kbit. */
  public record Policing(long rateKbps, long burstKb) {}

  private final String db;

  /** Policing on the ovsdb-server at db (unix:PATH or tcp:HOST:PORT). Does no I/O. */
  public OvsPolicing(String db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /** Sets the policing of each port (by DVS port key) of dvsId in one transaction. */
  public void apply(String dvsId, Map<String, Policing> byPortKey) throws BackendException {
    if (byPortKey.isEmpty()) {
      return;
    }
    List<String> cmd =
        new ArrayList<>(List.of("ovs-vsctl", "--db=" + db, "--timeout=" + TIMEOUT_S));
    byPortKey.forEach(
        (key, p) ->
            cmd.addAll(
                List.of(
                    "--",
                    "--if-exists",
                    "set",
                    "interface",
                    OvsBackend.portName(dvsId, key),
                    "ingress_policing_rate=" + p.rateKbps(),
                    "ingress_policing_burst=" + p.burstKb())));
    Commands.Result r = Commands.run(cmd, TIMEOUT_S + 5L);
    if (!r.ok()) {
      throw new BackendException(
          String.format(
              "ovs-vsctl refused the ingress policing of %d port(s) on DVS %s " + "(exit %d): %s",
              byPortKey.size(), dvsId, r.exit(), r.err().strip()));
    }
  }

  /** The policing OVS has on port key of dvsId (read back, for tests and drift checks). */
  public Policing read(String dvsId, String key) throws BackendException {
    Commands.Result r =
        Commands.run(
            List.of(
                "ovs-vsctl",
                "--db=" + db,
                "--timeout=" + TIMEOUT_S,
                "get",
                "interface",
                OvsBackend.portName(dvsId, key),
                "ingress_policing_rate",
                "ingress_policing_burst"),
            TIMEOUT_S + 5L);
    if (!r.ok()) {
      throw new BackendException(
          "cannot read the ingress policing of port " + key + ": " + r.err().strip());
    }
    String[] lines = r.out().strip().split("\n");
    return new Policing(Long.parseLong(lines[0].strip()), Long.parseLong(lines[1].strip()));
  }
}
