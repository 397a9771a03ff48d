package io.switchplane.agent.backend.ovsdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What ovsdb-server holds for the tables the ovs backend uses, kept by a monitor (RFC 7047 section
 * 4.1.5): the monitor's initial reply fills it, every "update" notification changes it, in the
 * order the server committed them. So reading it costs no round trip, and it never shows a state
 * the server did not hold. Because the server sends a transaction's updates on our session before
 * anything it commits later, once the cache shows a next_cfg our transaction set, it also shows
 * every row that transaction wrote.
 */
final class OvsdbCache {
  /** The columns we monitor, per table. */
  static final Map<String, List<String>> COLUMNS =
      Map.of(
          "Open_vSwitch",
          List.of("bridges", "next_cfg", "cur_cfg"),
          "Bridge",
          List.of("name", "ports", "external_ids", "datapath_type", "fail_mode"),
          "Port",
          List.of("name", "interfaces", "tag", "trunks", "vlan_mode", "external_ids"),
          "Interface",
          List.of("name", "type", "mtu_request", "external_ids", "ofport", "ofport_request"));

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** table → row uuid → the row's monitored columns. */
  private final Map<String, Map<String, JsonObject>> tables = new HashMap<>();

  /** Bumped on every reset, so that a waiter notices that its session ended. */
  private long epoch;

  private boolean live;

  /**
   * The Port rows as OvsPort, by name: built on the first read after a change, shared by the reads
   * until the next.
   */
  private Map<String, OvsPort> portsByName;

  /** The monitor request's params: every table above, initial rows and every change. */
  static JsonObject monitorRequests() {
    JsonObject requests = new JsonObject();
    COLUMNS.forEach(
        (table, columns) -> {
          JsonObject r = new JsonObject();
          JsonArray cols = new JsonArray();
          columns.forEach(cols::add);
          r.add("columns", cols);
          requests.add(table, r);
        });
    return requests;
  }

  /**
   * Replaces everything by the monitor's initial reply (a new session); returns the session's
   * epoch.
   */
  long reset(JsonObject initial) {
    lock.lock();
    try {
      tables.clear();
      epoch++;
      live = true;
      apply(initial);
      return epoch;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The session of sessionEpoch ended: waiters stop waiting; the rows stay until the next reset.
   * Ignored when a newer session has reset the cache already.
   */
  void markDead(long sessionEpoch) {
    lock.lock();
    try {
      if (sessionEpoch != epoch) {
        return;
      }
      live = false;
      epoch++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Applies one "update" notification's table-updates. */
  void apply(JsonObject tableUpdates) {
    lock.lock();
    try {
      for (Map.Entry<String, JsonElement> table : tableUpdates.entrySet()) {
        Map<String, JsonObject> rows = tables.computeIfAbsent(table.getKey(), t -> new HashMap<>());
        for (Map.Entry<String, JsonElement> row : table.getValue().getAsJsonObject().entrySet()) {
          JsonElement now = row.getValue().getAsJsonObject().get("new");
          if (now == null) {
            rows.remove(row.getKey());
          } else {
            rows.put(row.getKey(), now.getAsJsonObject());
          }
        }
      }
      portsByName = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Every port, by name (an unmodifiable snapshot). */
  Map<String, OvsPort> ports() {
    lock.lock();
    try {
      if (portsByName == null) {
        portsByName = Collections.unmodifiableMap(readPorts());
      }
      return portsByName;
    } finally {
      lock.unlock();
    }
  }

  private Map<String, OvsPort> readPorts() {
    Map<String, JsonObject> interfaces = tables.getOrDefault("Interface", Map.of());
    Map<String, OvsPort> out = new HashMap<>();
    for (Map.Entry<String, JsonObject> e : tables.getOrDefault("Port", Map.of()).entrySet()) {
      JsonObject p = e.getValue();
      String name = p.get("name").getAsString();
      List<String> ifaces = OvsdbValues.uuids(p.get("interfaces"));
      JsonObject iface = ifaces.isEmpty() ? null : interfaces.get(ifaces.get(0));
      out.put(
          name,
          new OvsPort(
              e.getKey(),
              name,
              ifaces.isEmpty() ? null : ifaces.get(0),
              OvsdbValues.intOrZero(p.get("tag")),
              OvsdbValues.ints(p.get("trunks")),
              OvsdbValues.stringMap(p.get("external_ids")),
              iface == null ? 0 : OvsdbValues.intOrZero(iface.get("mtu_request")),
              iface == null ? "" : iface.get("name").getAsString(),
              iface == null ? "" : OvsdbValues.stringOrEmpty(iface.get("type")),
              iface == null ? 0 : OvsdbValues.intOrZero(iface.get("ofport")),
              iface == null ? 0 : OvsdbValues.intOrZero(iface.get("ofport_request"))));
    }
    return out;
  }

  /** The fail_mode of the bridge named name ("" when it has none or there is no such bridge). */
  String bridgeFailMode(String name) {
    lock.lock();
    try {
      return tables.getOrDefault("Bridge", Map.of()).values().stream()
          .filter(b -> name.equals(b.get("name").getAsString()))
          .map(b -> OvsdbValues.stringOrEmpty(b.get("fail_mode")))
          .findFirst()
          .orElse("");
    } finally {
      lock.unlock();
    }
  }

  /**
   * The OpenFlow port numbers every interface has or asked for (ofport, ofport_request), so that a
   * new one asks for a free number.
   */
  java.util.Set<Integer> ofportsInUse() {
    lock.lock();
    try {
      java.util.Set<Integer> used = new java.util.HashSet<>();
      for (JsonObject iface : tables.getOrDefault("Interface", Map.of()).values()) {
        used.add(OvsdbValues.intOrZero(iface.get("ofport")));
        used.add(OvsdbValues.intOrZero(iface.get("ofport_request")));
      }
      return used;
    } finally {
      lock.unlock();
    }
  }

  /** The uuids of the ports of the bridge named name (none when there is no such bridge). */
  java.util.Set<String> bridgePorts(String name) {
    lock.lock();
    try {
      return tables.getOrDefault("Bridge", Map.of()).values().stream()
          .filter(b -> name.equals(b.get("name").getAsString()))
          .map(b -> java.util.Set.copyOf(OvsdbValues.uuids(b.get("ports"))))
          .findFirst()
          .orElse(java.util.Set.of());
    } finally {
      lock.unlock();
    }
  }

  /** The uuid of the bridge named name. */
  Optional<String> bridgeUuid(String name) {
    return uuidNamed("Bridge", name);
  }

  private Optional<String> uuidNamed(String table, String name) {
    lock.lock();
    try {
      return tables.getOrDefault(table, Map.of()).entrySet().stream()
          .filter(e -> name.equals(e.getValue().get("name").getAsString()))
          .map(Map.Entry::getKey)
          .findFirst();
    } finally {
      lock.unlock();
    }
  }

  /** The Open_vSwitch row's uuid (there is exactly one once the database is initialised). */
  Optional<String> rootUuid() {
    lock.lock();
    try {
      return tables.getOrDefault("Open_vSwitch", Map.of()).keySet().stream().findFirst();
    } finally {
      lock.unlock();
    }
  }

  /** The root row's next_cfg and cur_cfg: {next, cur}. */
  private long[] cfg() {
    for (JsonObject root : tables.getOrDefault("Open_vSwitch", Map.of()).values()) {
      return new long[] {
        OvsdbValues.intOrZero(root.get("next_cfg")), OvsdbValues.intOrZero(root.get("cur_cfg"))
      };
    }
    return new long[] {0, 0};
  }

  /** What waitForCfg saw. */
  enum CfgWait {
    APPLIED,
    TIMED_OUT,
    SESSION_ENDED
  }

  /**
   * Waits until the cache shows next_cfg ≥ target (our transaction's rows have arrived) and cur_cfg
   * ≥ target (ovs-vswitchd has applied it), the way ovs-vsctl waits.
   */
  CfgWait waitForCfg(long target, Duration timeout) throws InterruptedException {
    lock.lock();
    try {
      long started = epoch;
      long left = timeout.toNanos();
      while (true) {
        long[] cfg = cfg();
        if (cfg[0] >= target && cfg[1] >= target) {
          return CfgWait.APPLIED;
        }
        if (!live || epoch != started) {
          return CfgWait.SESSION_ENDED;
        }
        if (left <= 0) {
          return CfgWait.TIMED_OUT;
        }
        left = changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /** For messages: the current {next_cfg, cur_cfg}. */
  String cfgText() {
    lock.lock();
    try {
      long[] cfg = cfg();
      return "next_cfg " + cfg[0] + ", cur_cfg " + cfg[1];
    } finally {
      lock.unlock();
    }
  }
}
