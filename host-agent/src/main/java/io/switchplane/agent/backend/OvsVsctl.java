package io.switchplane.agent.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code ovs-vsctl} against one ovsdb-server and reads its JSON output. Each call is one
 * process and one OVSDB transaction; ovs-vsctl waits (up to {@link #TIMEOUT_S} s) until
 * ovs-vswitchd has applied it.
 */
final class OvsVsctl {
  static final int TIMEOUT_S = 10;

  /** What OVS has for one port: its name, VLAN columns, external ids and the interface's MTU request. */
  record PortRow(String name, int tag, List<Integer> trunks, Map<String, String> externalIds, int mtuRequest) {}

  private final String db;

  OvsVsctl(String db) {
    this.db = db;
  }

  /**
   * Runs the commands as one transaction and returns every port as OVS has it once the
   * transaction committed and ovs-vswitchd applied it: the listing rides in the same invocation
   * (ovs-vsctl prints command output after the commit), so applying and reading back cost one
   * process and one round trip. BackendException (nothing applied) when ovs-vsctl refuses.
   */
  List<PortRow> transact(List<String> commands, int ops, String dvsId) throws BackendException {
    List<String> args = new ArrayList<>(List.of("--format=json"));
    args.addAll(commands);
    args.addAll(LIST);
    Commands.Result r = run(args);
    if (!r.ok()) {
      throw new BackendException(String.format("ovs-vsctl refused the transaction of %d operation(s) on DVS %s "
          + "(exit %d): %s; OVSDB applied none of it", ops, dvsId, r.exit(), r.err().strip()));
    }
    return parse(r.out());
  }

  /** The two listing commands: ports with their VLAN columns and external ids, interfaces with their MTU. */
  private static final List<String> LIST = List.of("--", "--columns=name,tag,trunks,external_ids", "list", "Port",
      "--", "--columns=name,mtu_request", "list", "Interface");

  /** Every port with the MTU request of its interface. */
  List<PortRow> ports() {
    List<String> args = new ArrayList<>(List.of("--format=json"));
    args.addAll(LIST.subList(1, LIST.size()));
    Commands.Result r = run(args);
    if (!r.ok()) {
      throw new UncheckedIOException(new IOException("ovs-vsctl cannot list ports (exit " + r.exit() + "): " + r.err()));
    }
    return parse(r.out());
  }

  /** The output of the two listing commands: two JSON documents, one per line, after any other output. */
  private static List<PortRow> parse(String output) {
    String[] all = output.strip().split("\n");
    String[] docs = {all[all.length - 2], all[all.length - 1]};
    Map<String, Integer> mtu = new HashMap<>();
    for (JsonElement row : table(docs[1])) {
      JsonArray a = row.getAsJsonArray();
      mtu.put(a.get(0).getAsString(), intOrZero(a.get(1)));
    }
    List<PortRow> out = new ArrayList<>();
    for (JsonElement row : table(docs[0])) {
      JsonArray a = row.getAsJsonArray();
      String name = a.get(0).getAsString();
      out.add(new PortRow(name, intOrZero(a.get(1)), ints(a.get(2)), map(a.get(3)), mtu.getOrDefault(name, 0)));
    }
    return out;
  }

  private static JsonArray table(String doc) {
    JsonObject o = JsonParser.parseString(doc).getAsJsonObject();
    return o.getAsJsonArray("data");
  }

  /** An OVSDB value that is an integer or the empty set. */
  private static int intOrZero(JsonElement e) {
    return e.isJsonPrimitive() ? e.getAsInt() : 0;
  }

  /** An OVSDB set of integers: a bare integer or ["set", [...]]. */
  private static List<Integer> ints(JsonElement e) {
    List<Integer> out = new ArrayList<>();
    if (e.isJsonPrimitive()) {
      out.add(e.getAsInt());
      return out;
    }
    for (JsonElement v : e.getAsJsonArray().get(1).getAsJsonArray()) {
      out.add(v.getAsInt());
    }
    out.sort(Integer::compare);
    return out;
  }

  /** An OVSDB map: ["map", [[k, v], ...]]. */
  private static Map<String, String> map(JsonElement e) {
    Map<String, String> out = new HashMap<>();
    for (JsonElement kv : e.getAsJsonArray().get(1).getAsJsonArray()) {
      out.put(kv.getAsJsonArray().get(0).getAsString(), kv.getAsJsonArray().get(1).getAsString());
    }
    return out;
  }

  private Commands.Result run(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db, "--timeout=" + TIMEOUT_S));
    cmd.addAll(args);
    return Commands.run(cmd, TIMEOUT_S + 5L);
  }
}
