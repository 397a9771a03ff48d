package io.switchplane.vcenter;

import com.vmware.vim25.ObjectUpdate;
import com.vmware.vim25.ObjectUpdateKind;
import com.vmware.vim25.PropertyChange;
import com.vmware.vim25.PropertyChangeOp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Folds property-collector updates (enter, modify, leave; whole property values, as a filter
 * created with {@code partialUpdates=false} reports them) into the tracker's {@link Inventory}. It
 * keeps the last value of every followed property of every object and builds a new immutable
 * Inventory after each batch. Objects of types it does not follow are ignored. Not thread-safe: one
 * sync thread owns it. Talks to nobody, so it is unit tested with hand-made updates.
 */
final class InventoryApplier {
  static final String HOST = "HostSystem";
  static final String VM = "VirtualMachine";
  static final String DVPG = "DistributedVirtualPortgroup";
  static final String NETWORK = "Network";
  static final String OPAQUE_NETWORK = "OpaqueNetwork";
  static final String DVS = "DistributedVirtualSwitch";
  static final String VMWARE_DVS = "VmwareDistributedVirtualSwitch";

  /**
   * Default name of a DVS's uplink port group ("DSwitch-DVUplinks-35"): the last way to tell it,
   * for a vCenter that neither tags it nor lists it in the switch's config.uplinkPortgroup (the
   * govmomi simulator does neither).
   */
  private static final Pattern UPLINK_NAME = Pattern.compile(".*-DVUplinks(-\\d+)?$");

  private record State(String type, Map<String, Object> props) {}

  private final Map<String, State> objects = new HashMap<>();

  /** Forgets everything: the next batch is a full sync. */
  void reset() {
    objects.clear();
  }

  /**
   * Applies one batch of updates.
   *
   * @return the morefs of the followed objects that entered, changed or left
   */
  Set<String> apply(List<ObjectUpdate> updates) {
    Set<String> changed = new HashSet<>();
    for (ObjectUpdate u : updates) {
      if (u == null || u.getObj() == null || !followed(u.getObj().getType())) {
        continue;
      }
      String id = u.getObj().getVal();
      ObjectUpdateKind kind = u.getKind() == null ? ObjectUpdateKind.modify : u.getKind();
      if (kind == ObjectUpdateKind.leave) {
        if (objects.remove(id) != null) {
          changed.add(id);
        }
        continue;
      }
      // An enter does not clear what is known: the same object enters every filter that covers
      // it (a port group is a Network too), each with its own properties.
      State state =
          objects.computeIfAbsent(id, k -> new State(u.getObj().getType(), new HashMap<>()));
      if (u.getChangeSet() != null) {
        for (PropertyChange c : u.getChangeSet()) {
          set(state, c);
        }
      }
      changed.add(id);
    }
    return changed;
  }

  private static void set(State state, PropertyChange c) {
    if (c == null || c.getName() == null) {
      return;
    }
    PropertyChangeOp op = c.getOp() == null ? PropertyChangeOp.assign : c.getOp();
    if (op == PropertyChangeOp.remove
        || op == PropertyChangeOp.indirectRemove
        || c.getVal() == null) {
      state.props().remove(c.getName());
      return;
    }
    state.props().put(c.getName(), convert(c.getName(), c.getVal()));
  }

  /** Converts on arrival, so that building an Inventory is cheap (it is done after every batch). */
  private static Object convert(String path, Object val) {
    return switch (path) {
      case "config.hardware.device" -> PropertyValues.nics(val);
      case "guest.net" -> PropertyValues.guestNics(val);
      case "config.defaultPortConfig" -> PropertyValues.vlans(val);
      case "runtime.powerState" -> PropertyValues.power(val);
      case "runtime.inMaintenanceMode" -> PropertyValues.bool(val);
      case "runtime.host", "config.distributedVirtualSwitch" -> PropertyValues.moref(val);
      case "tag" -> PropertyValues.hasUplinkTag(val);
      case "config.uplinkPortgroup" -> PropertyValues.morefs(val);
      default -> PropertyValues.text(val);
    };
  }

  static boolean followed(String type) {
    return switch (type) {
      case HOST, VM, DVPG, NETWORK, OPAQUE_NETWORK, DVS, VMWARE_DVS -> true;
      default -> false;
    };
  }

  /** The inventory as of the last applied batch. */
  Inventory inventory(String version, Instant at) {
    Map<String, Inventory.Host> hosts = new HashMap<>();
    Map<String, Inventory.Vm> vms = new HashMap<>();
    Map<String, Inventory.Network> networks = new HashMap<>();
    Map<String, Inventory.Switch> switches = new HashMap<>();
    Set<String> uplinkGroups = new HashSet<>();
    for (Map.Entry<String, State> e : objects.entrySet()) {
      State s = e.getValue();
      if (s.type().equals(DVS) || s.type().equals(VMWARE_DVS)) {
        switches.put(e.getKey(), new Inventory.Switch(e.getKey(), str(s, "name"), str(s, "uuid")));
        uplinkGroups.addAll(list(s, "config.uplinkPortgroup"));
      }
    }
    Map<String, String> byPortgroupKey = new HashMap<>();
    for (Map.Entry<String, State> e : objects.entrySet()) {
      String id = e.getKey();
      State s = e.getValue();
      switch (s.type()) {
        case HOST ->
            hosts.put(
                id,
                new Inventory.Host(
                    id,
                    str(s, "name"),
                    str(s, "runtime.connectionState"),
                    Boolean.TRUE.equals(s.props().get("runtime.inMaintenanceMode"))));
        case DVPG -> {
          String name = str(s, "name");
          String key = str(s, "key").isEmpty() ? id : str(s, "key");
          boolean uplink =
              Boolean.TRUE.equals(s.props().get("tag"))
                  || uplinkGroups.contains(id)
                  || UPLINK_NAME.matcher(name).matches();
          Object vlans = s.props().get("config.defaultPortConfig");
          networks.put(
              id,
              new Inventory.Network(
                  id,
                  name,
                  true,
                  str(s, "config.distributedVirtualSwitch"),
                  key,
                  vlans instanceof VlanSet v ? v : VlanSet.EMPTY,
                  uplink));
          byPortgroupKey.put(key, id);
        }
        case NETWORK, OPAQUE_NETWORK ->
            networks.put(
                id, new Inventory.Network(id, str(s, "name"), false, "", "", VlanSet.EMPTY, false));
        default -> {}
      }
    }
    for (Map.Entry<String, State> e : objects.entrySet()) {
      State s = e.getValue();
      if (s.type().equals(VM)) {
        Object power = s.props().get("runtime.powerState");
        vms.put(
            e.getKey(),
            new Inventory.Vm(
                e.getKey(),
                str(s, "name"),
                str(s, "config.instanceUuid"),
                power instanceof Inventory.PowerState p ? p : Inventory.PowerState.POWERED_OFF,
                str(s, "runtime.host"),
                nics(s, byPortgroupKey)));
      }
    }
    return new Inventory(hosts, vms, networks, switches, version, at);
  }

  private static List<Inventory.Nic> nics(State s, Map<String, String> byPortgroupKey) {
    List<Inventory.Nic> out = new ArrayList<>();
    List<PropertyValues.GuestNic> guest = new ArrayList<>();
    if (s.props().get("guest.net") instanceof List<?> g) {
      g.forEach(o -> guest.add((PropertyValues.GuestNic) o));
    }
    if (s.props().get("config.hardware.device") instanceof List<?> raw) {
      for (Object o : raw) {
        PropertyValues.RawNic n = (PropertyValues.RawNic) o;
        // A DVS backing names the port group by key; the inventory speaks morefs (usually equal).
        String network =
            n.portgroupKey().isEmpty()
                ? n.network()
                : byPortgroupKey.getOrDefault(n.portgroupKey(), n.portgroupKey());
        out.add(
            new Inventory.Nic(
                n.label(), n.mac(), network, n.portKey(), n.connected(), guestIps(n, guest)));
      }
    }
    return out;
  }

  /**
   * The addresses the guest reports on a card: the guest NIC with the card's device key, else the
   * one with its MAC (a guest NIC a tools version reports without a key).
   */
  private static List<String> guestIps(
      PropertyValues.RawNic card, List<PropertyValues.GuestNic> guest) {
    for (PropertyValues.GuestNic g : guest) {
      if (g.deviceKey() == card.deviceKey()) {
        return g.ips();
      }
    }
    for (PropertyValues.GuestNic g : guest) {
      if (g.deviceKey() < 0 && !g.mac().isEmpty() && g.mac().equalsIgnoreCase(card.mac())) {
        return g.ips();
      }
    }
    return List.of();
  }

  private static String str(State s, String path) {
    return s.props().get(path) instanceof String v ? v : "";
  }

  private static List<String> list(State s, String path) {
    List<String> out = new ArrayList<>();
    if (s.props().get(path) instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    }
    return out;
  }
}
