package io.switchplane.vcenter;

import com.vmware.vim25.EventFilterSpec;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectSpec;
import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.PropertySpec;
import com.vmware.vim25.SelectionSpec;
import com.vmware.vim25.TraversalSpec;
import java.util.List;

/**
 * What the tracker asks vCenter's property collector for: the followed properties of every host,
 * VM, network and distributed switch, each type through a recursive container view of the root
 * folder of its own and a filter of its own; and, in a filter of its own, the {@code latestPage} of
 * an event collector (used to measure the lag, see {@link LagMeter}). Pure data building, no calls.
 */
final class InventoryFilter {
  /**
   * The followed types, in filter order; each gets a container view of that type alone. Network
   * covers DistributedVirtualPortgroup and OpaqueNetwork.
   *
   * <p>A view per type, not one view of all types under every filter: the govmomi 0.24 simulator
   * re-collects every filter in full (each over all the objects of its view) for every change it
   * reports, so with one shared view each of the five filters walked all 1,000 VMs of a large
   * inventory five times per change, about 0.9 s of simulator CPU per VM power-off. With a view per
   * type only the VM filter walks the VMs. A real vCenter computes updates incrementally and gives
   * the same answer either way.
   */
  static final List<String> TYPES =
      List.of(
          "VirtualMachine",
          "HostSystem",
          "DistributedVirtualPortgroup",
          "DistributedVirtualSwitch",
          "Network");

  static final String[] HOST_PATHS = {
    "name", "runtime.connectionState", "runtime.inMaintenanceMode"
  };
  static final String[] VM_PATHS = {
    "name",
    "config.instanceUuid",
    "runtime.powerState",
    "runtime.host",
    "config.hardware.device",
    "guest.net"
  };
  static final String[] DVPG_PATHS = {
    "name", "key", "config.distributedVirtualSwitch", "config.defaultPortConfig", "tag"
  };
  static final String[] NETWORK_PATHS = {"name"};
  static final String[] DVS_PATHS = {"name", "uuid", "config.uplinkPortgroup"};

  static final String EVENT_COLLECTOR = "EventHistoryCollector";

  /**
   * Event types that come with the inventory changes the tracker follows. Concrete type ids: a real
   * vCenter matches eventTypeId exactly (the simulator also matches base types).
   */
  static final String[] EVENT_TYPES = {
    "VmPoweredOnEvent",
    "VmPoweredOffEvent",
    "VmSuspendedEvent",
    "VmCreatedEvent",
    "VmClonedEvent",
    "VmRegisteredEvent",
    "VmRemovedEvent",
    "VmReconfiguredEvent",
    "VmRenamedEvent",
    "VmMigratedEvent",
    "DrsVmMigratedEvent",
    "VmRelocatedEvent",
    "VmResettingEvent",
    "DVPortgroupCreatedEvent",
    "DVPortgroupReconfiguredEvent",
    "DVPortgroupRenamedEvent",
    "DVPortgroupDestroyedEvent",
    "HostConnectedEvent",
    "HostDisconnectedEvent",
    "HostAddedEvent",
    "HostRemovedEvent",
    "EnteredMaintenanceModeEvent",
    "ExitMaintenanceModeEvent"
  };

  private InventoryFilter() {}

  /**
   * The inventory filter spec of one followed type.
   *
   * <p>One filter per type, not one filter with five property specs: the govmomi 0.24 simulator
   * looks up the changed object again when an update is checked against a property spec of another
   * type, and panics (losing the batch) when that object was deleted within the same batch, e.g. a
   * VM powered off and destroyed within 250 ms. With one type per filter that lookup happens only
   * for the Network filter (whose type DistributedVirtualPortgroup extends).
   *
   * @param type one of {@link #TYPES}
   * @param view a container view over the root folder with that type alone
   */
  static PropertyFilterSpec spec(String type, ManagedObjectReference view) {
    return viewSpec(
        view,
        prop(
            type,
            switch (type) {
              case "VirtualMachine" -> VM_PATHS;
              case "HostSystem" -> HOST_PATHS;
              case "DistributedVirtualPortgroup" -> DVPG_PATHS;
              case "DistributedVirtualSwitch" -> DVS_PATHS;
              case "Network" -> NETWORK_PATHS;
              default -> throw new IllegalArgumentException("not a followed type: " + type);
            }));
  }

  private static PropertyFilterSpec viewSpec(ManagedObjectReference view, PropertySpec prop) {
    TraversalSpec viewToObjects = new TraversalSpec();
    viewToObjects.setName("view");
    viewToObjects.setType("ContainerView");
    viewToObjects.setPath("view");
    viewToObjects.setSkip(false);

    ObjectSpec viewSpec = new ObjectSpec();
    viewSpec.setObj(view);
    viewSpec.setSkip(true);
    viewSpec.setSelectSet(new SelectionSpec[] {viewToObjects});

    PropertyFilterSpec spec = new PropertyFilterSpec();
    spec.setObjectSet(new ObjectSpec[] {viewSpec});
    spec.setPropSet(new PropertySpec[] {prop});
    return spec;
  }

  /**
   * The spec of the filter over the event collector's {@code latestPage}. A filter of its own: the
   * govmomi 0.24 simulator crashes (a nil-pointer panic, the update lost) when a session object
   * such as an event collector shares a filter with property specs of other types.
   */
  static PropertyFilterSpec eventSpec(ManagedObjectReference eventCollector) {
    ObjectSpec events = new ObjectSpec();
    events.setObj(eventCollector);
    events.setSkip(false);
    PropertyFilterSpec spec = new PropertyFilterSpec();
    spec.setObjectSet(new ObjectSpec[] {events});
    spec.setPropSet(new PropertySpec[] {prop(EVENT_COLLECTOR, "latestPage")});
    return spec;
  }

  /**
   * The event collector's filter: only the events of followed changes, anywhere in the inventory.
   */
  static EventFilterSpec events() {
    EventFilterSpec f = new EventFilterSpec();
    f.setEventTypeId(EVENT_TYPES.clone());
    return f;
  }

  private static PropertySpec prop(String type, String... paths) {
    PropertySpec p = new PropertySpec();
    p.setType(type);
    p.setAll(false);
    p.setPathSet(paths);
    return p;
  }
}
