package io.switchplane.bench.vcsim;

import com.vmware.vim25.DVPortgroupConfigInfo;
import com.vmware.vim25.DVPortgroupConfigSpec;
import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.HostConnectSpec;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.VMwareDVSPortSetting;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceConfigSpec;
import com.vmware.vim25.VirtualDeviceConfigSpecOperation;
import com.vmware.vim25.VirtualDeviceConnectInfo;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualMachineConfigSpec;
import com.vmware.vim25.VirtualMachineFileInfo;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.VirtualMachineRelocateSpec;
import com.vmware.vim25.VmwareDistributedVirtualSwitchVlanIdSpec;
import com.vmware.vim25.mo.ComputeResource;
import com.vmware.vim25.mo.Datacenter;
import com.vmware.vim25.mo.DistributedVirtualPortgroup;
import com.vmware.vim25.mo.DistributedVirtualSwitch;
import com.vmware.vim25.mo.Folder;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ResourcePool;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import java.io.IOException;
import java.net.URL;
import java.rmi.RemoteException;

/**
 * Drives a vCenter through the vSphere API the way an operator's client would, for tests: power,
 * migrate, create and delete VMs, move a NIC, add and change port groups, add and remove hosts and
 * put them in maintenance. Objects are found by name. Every call waits for its task and fails with
 * vCenter's message if the task did.
 */
public final class VcenterOperator implements AutoCloseable {
  private final ServiceInstance si;

  private VcenterOperator(ServiceInstance si) {
    this.si = si;
  }

  /**
   * Logs in (ignoreCert false: yavijava's true would change the JVM's default host name verifier).
   */
  public static VcenterOperator connect(URL sdk, String user, String password) throws IOException {
    return new VcenterOperator(new ServiceInstance(sdk, user, password, false));
  }

  public void powerOff(String vm) throws IOException {
    powerOff(vm(vm));
  }

  public void powerOn(String vm) throws IOException {
    powerOn(vm(vm));
  }

  /**
   * Powers off a VM found before (a lookup by name reads every VM's name: ~250 ms with 1,000 VMs).
   */
  public void powerOff(VirtualMachine vm) throws IOException {
    run(vm.powerOffVM_Task());
  }

  /** Powers on a VM found before (see {@link #powerOff(VirtualMachine)}). */
  public void powerOn(VirtualMachine vm) throws IOException {
    run(vm.powerOnVM_Task(null));
  }

  /** Relocates (vMotion) a VM to another host, into that host's cluster's root pool. */
  public void migrate(String vm, String host) throws IOException {
    HostSystem h = host(host);
    VirtualMachineRelocateSpec spec = new VirtualMachineRelocateSpec();
    spec.setHost(h.getMOR());
    spec.setPool(pool(h).getMOR());
    run(vm(vm).relocateVM_Task(spec));
  }

  /**
   * The root resource pool of the host's cluster. yavijava decodes a single moref property
   * (HostSystem.parent, ComputeResource.resourcePool) from the simulator with the type
   * "ManagedObjectReference" and then cannot make an object of it ("no associated class"), so the
   * cluster is found from the clusters' host lists (arrays decode fine) and the pool's moref is
   * retyped.
   */
  private ResourcePool pool(HostSystem h) throws RemoteException {
    for (ManagedEntity e :
        new InventoryNavigator(si.getRootFolder()).searchManagedEntities("ComputeResource")) {
      ComputeResource cr = (ComputeResource) e;
      for (HostSystem member : cr.getHosts()) {
        if (member.getMOR().getVal().equals(h.getMOR().getVal())) {
          return new ResourcePool(
              si.getServerConnection(),
              retyped(cr.getPropertyByPath("resourcePool"), "ResourcePool"));
        }
      }
    }
    throw new IllegalStateException("no cluster holds host " + h.getName());
  }

  /**
   * Creates a VM with one E1000 NIC on a distributed port group, on a host, and powers it on.
   *
   * @return the new VM's moref
   */
  public String createVm(String name, String host, String portgroup) throws IOException {
    HostSystem h = host(host);
    VirtualE1000 nic = new VirtualE1000();
    nic.setKey(-1);
    nic.setBacking(dvsBacking(portgroup(portgroup)));
    VirtualDeviceConnectInfo connect = new VirtualDeviceConnectInfo();
    connect.setConnected(true);
    connect.setStartConnected(true);
    nic.setConnectable(connect);
    VirtualDeviceConfigSpec add = new VirtualDeviceConfigSpec();
    add.setOperation(VirtualDeviceConfigSpecOperation.add);
    add.setDevice(nic);

    VirtualMachineConfigSpec config = new VirtualMachineConfigSpec();
    config.setName(name);
    config.setGuestId("otherGuest");
    VirtualMachineFileInfo files = new VirtualMachineFileInfo();
    files.setVmPathName("[LocalDS_0]");
    config.setFiles(files);
    config.setDeviceChange(new VirtualDeviceConfigSpec[] {add});

    Task task = datacenterFolder("vmFolder").createVM_Task(config, pool(h), h);
    TaskInfo info = run(task);
    String id = ((ManagedObjectReference) info.getResult()).getVal();
    powerOn(name);
    return id;
  }

  /**
   * Moves the VM's first NIC to another distributed port group (ReconfigVM_Task, edit of the card).
   */
  public void moveNic(String vm, String portgroup) throws IOException {
    VirtualMachine v = vm(vm);
    VirtualEthernetCard card = null;
    for (VirtualDevice d : v.getConfig().getHardware().getDevice()) {
      if (d instanceof VirtualEthernetCard c) {
        card = c;
        break;
      }
    }
    if (card == null) {
      throw new IllegalStateException(vm + " has no NIC");
    }
    card.setBacking(dvsBacking(portgroup(portgroup)));
    VirtualDeviceConfigSpec edit = new VirtualDeviceConfigSpec();
    edit.setOperation(VirtualDeviceConfigSpecOperation.edit);
    edit.setDevice(card);
    VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
    spec.setDeviceChange(new VirtualDeviceConfigSpec[] {edit});
    run(v.reconfigVM_Task(spec));
  }

  /**
   * Makes the VM's VMware Tools report address on its first NIC (guest.net), as a guest that
   * configured it does: the simulator takes extraConfig "SET.guest.ipAddress" through
   * ReconfigVM_Task for that.
   */
  public void setGuestIp(String vm, String address) throws IOException {
    com.vmware.vim25.OptionValue v = new com.vmware.vim25.OptionValue();
    v.setKey("SET.guest.ipAddress");
    v.setValue(address);
    VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
    spec.setExtraConfig(new com.vmware.vim25.OptionValue[] {v});
    run(vm(vm).reconfigVM_Task(spec));
  }

  /** The VM's instance UUID and the MAC of its first NIC. */
  public java.util.Map.Entry<String, String> nicOf(String vm) throws RemoteException {
    VirtualMachine v = vm(vm);
    for (VirtualDevice d : v.getConfig().getHardware().getDevice()) {
      if (d instanceof VirtualEthernetCard c) {
        return java.util.Map.entry(v.getConfig().getInstanceUuid(), c.getMacAddress());
      }
    }
    throw new IllegalStateException(vm + " has no NIC");
  }

  /** Adds a distributed port group tagging one VLAN. */
  public void addPortgroup(String dvs, String name, int vlan) throws IOException {
    DVPortgroupConfigSpec spec = new DVPortgroupConfigSpec();
    spec.setName(name);
    spec.setType("earlyBinding");
    spec.setNumPorts(8);
    spec.setDefaultPortConfig(vlanSetting(vlan));
    run(dvs(dvs).addDVPortgroup_Task(new DVPortgroupConfigSpec[] {spec}));
  }

  /** Changes the VLAN a port group tags (ReconfigureDVPortgroup_Task). */
  public void setPortgroupVlan(String portgroup, int vlan) throws IOException {
    DistributedVirtualPortgroup pg = portgroup(portgroup);
    DVPortgroupConfigInfo now = pg.getConfig();
    DVPortgroupConfigSpec spec = new DVPortgroupConfigSpec();
    // The simulator copies every field of the spec, so the unchanged ones are sent too.
    spec.setName(now.getName());
    spec.setConfigVersion(now.getConfigVersion());
    spec.setType(now.getType());
    spec.setNumPorts(now.getNumPorts());
    spec.setDescription(now.getDescription());
    spec.setDefaultPortConfig(vlanSetting(vlan));
    run(pg.reconfigureDVPortgroup_Task(spec));
  }

  /** Powers the VM off if needed and destroys it. */
  public void deleteVm(String vm) throws IOException {
    VirtualMachine v = vm(vm);
    if (v.getRuntime().getPowerState() == VirtualMachinePowerState.poweredOn) {
      run(v.powerOffVM_Task());
    }
    run(v.destroy_Task());
  }

  /** Adds a standalone host to the (first) datacenter, connected. */
  public void addHost(String name) throws IOException {
    HostConnectSpec spec = new HostConnectSpec();
    spec.setHostName(name);
    spec.setUserName("root");
    spec.setPassword("unused");
    run(datacenterFolder("hostFolder").addStandaloneHost_Task(spec, null, true));
  }

  /** Removes a host from vCenter (Destroy_Task); vCenter refuses while VMs are registered on it. */
  public void removeHost(String name) throws IOException {
    run(host(name).destroy_Task());
  }

  public void enterMaintenance(String host) throws IOException {
    run(host(host).enterMaintenanceMode(0, false));
  }

  public void exitMaintenance(String host) throws IOException {
    run(host(host).exitMaintenanceMode(0));
  }

  /** Names of every VM, sorted. */
  public java.util.List<String> vmNames() throws RemoteException {
    return names("VirtualMachine");
  }

  /** Names of every distributed switch, sorted. */
  public java.util.List<String> dvsNames() throws RemoteException {
    return names("DistributedVirtualSwitch");
  }

  /** The name of the host a VM runs on. */
  public String hostOf(String vm) throws RemoteException {
    return new HostSystem(si.getServerConnection(), vm(vm).getRuntime().getHost()).getName();
  }

  private java.util.List<String> names(String type) throws RemoteException {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (ManagedEntity e : new InventoryNavigator(si.getRootFolder()).searchManagedEntities(type)) {
      out.add(e.getName());
    }
    out.sort(null);
    return out;
  }

  public VirtualMachine vm(String name) throws RemoteException {
    return (VirtualMachine) find("VirtualMachine", name);
  }

  public HostSystem host(String name) throws RemoteException {
    return (HostSystem) find("HostSystem", name);
  }

  public DistributedVirtualPortgroup portgroup(String name) throws RemoteException {
    return (DistributedVirtualPortgroup) find("DistributedVirtualPortgroup", name);
  }

  public DistributedVirtualSwitch dvs(String name) throws RemoteException {
    return (DistributedVirtualSwitch) find("DistributedVirtualSwitch", name);
  }

  @Override
  public void close() {
    // Not ServerConnection.logout: it prints "Failed to disconnect..." when the simulator is gone.
    try {
      si.getSessionManager().logout();
    } catch (RemoteException e) {
      throw new IllegalStateException(
          "logout from " + si.getServerConnection().getUrl() + " failed", e);
    }
  }

  private ManagedEntity find(String type, String name) throws RemoteException {
    ManagedEntity e = new InventoryNavigator(si.getRootFolder()).searchManagedEntity(type, name);
    if (e == null) {
      throw new IllegalArgumentException("no " + type + " named " + name);
    }
    return e;
  }

  /** A folder of the first datacenter ("vmFolder", "hostFolder"), retyped (see {@link #pool}). */
  private Folder datacenterFolder(String property) throws RemoteException {
    Datacenter dc =
        (Datacenter)
            new InventoryNavigator(si.getRootFolder()).searchManagedEntities("Datacenter")[0];
    return new Folder(si.getServerConnection(), retyped(dc.getPropertyByPath(property), "Folder"));
  }

  private static ManagedObjectReference retyped(Object raw, String type) {
    ManagedObjectReference ref = new ManagedObjectReference();
    ref.setType(type);
    ref.setVal(((ManagedObjectReference) raw).getVal());
    return ref;
  }

  private VirtualEthernetCardDistributedVirtualPortBackingInfo dvsBacking(
      DistributedVirtualPortgroup pg) throws RemoteException {
    // Found by moref value among the switches, which carry their real type (the simulator's is
    // DistributedVirtualSwitch, a vCenter's VmwareDistributedVirtualSwitch).
    String id = pg.getConfig().getDistributedVirtualSwitch().getVal();
    DistributedVirtualSwitch dvs = null;
    for (ManagedEntity e :
        new InventoryNavigator(si.getRootFolder())
            .searchManagedEntities("DistributedVirtualSwitch")) {
      if (e.getMOR().getVal().equals(id)) {
        dvs = (DistributedVirtualSwitch) e;
      }
    }
    if (dvs == null) {
      throw new IllegalStateException("no switch " + id + " for port group " + pg.getName());
    }
    DistributedVirtualSwitchPortConnection port = new DistributedVirtualSwitchPortConnection();
    port.setSwitchUuid(dvs.getUuid());
    port.setPortgroupKey(pg.getKey());
    VirtualEthernetCardDistributedVirtualPortBackingInfo backing =
        new VirtualEthernetCardDistributedVirtualPortBackingInfo();
    backing.setPort(port);
    return backing;
  }

  private static VMwareDVSPortSetting vlanSetting(int vlan) {
    VmwareDistributedVirtualSwitchVlanIdSpec id = new VmwareDistributedVirtualSwitchVlanIdSpec();
    id.setVlanId(vlan);
    id.setInherited(false);
    VMwareDVSPortSetting setting = new VMwareDVSPortSetting();
    setting.setVlan(id);
    return setting;
  }

  private static TaskInfo run(Task task) throws IOException {
    try {
      // The simulator finishes its tasks before answering: short polls suffice.
      task.waitForTask(20, 20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + task.getMOR().getVal(), e);
    }
    TaskInfo info = task.getTaskInfo();
    if (info.getError() != null) {
      throw new IOException(
          "task " + info.getDescriptionId() + " failed: " + info.getError().getLocalizedMessage());
    }
    return info;
  }
}
