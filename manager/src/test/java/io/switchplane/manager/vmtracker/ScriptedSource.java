package io.switchplane.manager.vmtracker;

import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.InventoryListener;
import io.switchplane.vcenter.InventorySource;
import io.switchplane.vcenter.SyncStatus;
import io.switchplane.vcenter.VcenterEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An inventory source a test sets by hand, standing in for a vCenter in unit tests of the tracker.
 */
final class ScriptedSource implements InventorySource {
  /** Every source opened, newest last, with the endpoint it was opened for. */
  static final class Factory implements InventorySource.Factory {
    final List<ScriptedSource> opened = new CopyOnWriteArrayList<>();

    @Override
    public InventorySource open(String name, VcenterEndpoint endpoint, InventoryListener listener) {
      ScriptedSource s = new ScriptedSource(endpoint, listener);
      opened.add(s);
      return s;
    }

    ScriptedSource last() {
      return opened.get(opened.size() - 1);
    }
  }

  final VcenterEndpoint endpoint;
  private final InventoryListener listener;
  private volatile Inventory inventory = Inventory.EMPTY;
  volatile boolean started;
  volatile boolean closed;

  private ScriptedSource(VcenterEndpoint endpoint, InventoryListener listener) {
    this.endpoint = endpoint;
    this.listener = listener;
  }

  void set(Inventory next) {
    inventory = next;
    listener.changed(next);
  }

  @Override
  public void start() {
    started = true;
  }

  @Override
  public SyncStatus status() {
    return new SyncStatus(
        SyncStatus.State.SYNCED,
        "",
        Instant.EPOCH,
        Instant.EPOCH,
        inventory.version(),
        Duration.ofMillis(3),
        0,
        1,
        0,
        Instant.EPOCH);
  }

  @Override
  public Inventory inventory() {
    return inventory;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Builds inventories: hosts, one DVS "dvs-1", port groups with VLANs, VMs with one NIC each. */
  static final class Builder {
    private final Map<String, Inventory.Host> hosts = new java.util.HashMap<>();
    private final Map<String, Inventory.Vm> vms = new java.util.HashMap<>();
    private final Map<String, Inventory.Network> networks = new java.util.HashMap<>();
    private int version;

    Builder host(String name) {
      hosts.put("host-" + name, new Inventory.Host("host-" + name, name, "connected", false));
      return this;
    }

    Builder removeHost(String name) {
      hosts.remove("host-" + name);
      return this;
    }

    Builder portGroup(String name, int vlan) {
      networks.put(
          "pg-" + name,
          new Inventory.Network(
              "pg-" + name,
              name,
              true,
              "dvs-1",
              "key-" + name,
              vlan == 0
                  ? io.switchplane.vcenter.VlanSet.EMPTY
                  : io.switchplane.vcenter.VlanSet.of(vlan),
              false));
      return this;
    }

    Builder vm(String name, String host, String portGroup, Inventory.PowerState power) {
      vms.put(
          "vm-" + name,
          new Inventory.Vm(
              "vm-" + name,
              name,
              "uuid-" + name,
              power,
              "host-" + host,
              List.of(
                  new Inventory.Nic(
                      "Network adapter 1",
                      mac(name),
                      "pg-" + portGroup,
                      "1" + name.length(),
                      true))));
      return this;
    }

    Builder on(String name, String host, String portGroup) {
      return vm(name, host, portGroup, Inventory.PowerState.POWERED_ON);
    }

    Builder off(String name, String host, String portGroup) {
      return vm(name, host, portGroup, Inventory.PowerState.POWERED_OFF);
    }

    Builder removeVm(String name) {
      vms.remove("vm-" + name);
      return this;
    }

    Inventory build() {
      return new Inventory(
          hosts,
          vms,
          networks,
          Map.of("dvs-1", new Inventory.Switch("dvs-1", "DVS0", "u-1")),
          String.valueOf(++version),
          Instant.now());
    }

    private static String mac(String name) {
      return String.format("00:50:56:00:00:%02x", Math.abs(name.hashCode()) % 256);
    }
  }
}
