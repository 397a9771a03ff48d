package io.switchplane.vcenter;

import com.vmware.vim25.ArrayOfManagedObjectReference;
import com.vmware.vim25.ArrayOfTag;
import com.vmware.vim25.ArrayOfVirtualDevice;
import com.vmware.vim25.Description;
import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.NumericRange;
import com.vmware.vim25.ObjectUpdate;
import com.vmware.vim25.ObjectUpdateKind;
import com.vmware.vim25.PropertyChange;
import com.vmware.vim25.PropertyChangeOp;
import com.vmware.vim25.Tag;
import com.vmware.vim25.VMwareDVSPortSetting;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceConnectInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualVmxnet3;
import com.vmware.vim25.VmwareDistributedVirtualSwitchTrunkVlanSpec;
import com.vmware.vim25.VmwareDistributedVirtualSwitchVlanIdSpec;

/** Hand-made vSphere data objects, as yavijava decodes them from a property collector. */
final class VsphereData {
  private VsphereData() {}

  static ManagedObjectReference mor(String type, String value) {
    ManagedObjectReference m = new ManagedObjectReference();
    m.setType(type);
    m.setVal(value);
    return m;
  }

  static PropertyChange change(String name, Object val) {
    PropertyChange c = new PropertyChange();
    c.setName(name);
    c.setOp(PropertyChangeOp.assign);
    c.setVal(val);
    return c;
  }

  static ObjectUpdate update(
      ObjectUpdateKind kind, String type, String id, PropertyChange... changes) {
    ObjectUpdate u = new ObjectUpdate();
    u.setKind(kind);
    u.setObj(mor(type, id));
    u.setChangeSet(changes.length == 0 ? null : changes);
    return u;
  }

  static ObjectUpdate enter(String type, String id, PropertyChange... changes) {
    return update(ObjectUpdateKind.enter, type, id, changes);
  }

  static ObjectUpdate modify(String type, String id, PropertyChange... changes) {
    return update(ObjectUpdateKind.modify, type, id, changes);
  }

  static ObjectUpdate leave(String type, String id) {
    return update(ObjectUpdateKind.leave, type, id);
  }

  /**
   * An E1000 on a distributed port group, as the property collector sends config.hardware.device.
   */
  static VirtualE1000 dvsNic(
      int key, String mac, String portgroupKey, String portKey, Boolean connected) {
    VirtualE1000 nic = new VirtualE1000();
    nic.setKey(key);
    Description d = new Description();
    d.setLabel("Network adapter " + (key - 3999));
    nic.setDeviceInfo(d);
    nic.setMacAddress(mac);
    DistributedVirtualSwitchPortConnection port = new DistributedVirtualSwitchPortConnection();
    port.setSwitchUuid("50 2a ...");
    port.setPortgroupKey(portgroupKey);
    port.setPortKey(portKey);
    VirtualEthernetCardDistributedVirtualPortBackingInfo b =
        new VirtualEthernetCardDistributedVirtualPortBackingInfo();
    b.setPort(port);
    nic.setBacking(b);
    if (connected != null) {
      VirtualDeviceConnectInfo c = new VirtualDeviceConnectInfo();
      c.setConnected(connected);
      nic.setConnectable(c);
    }
    return nic;
  }

  static VirtualVmxnet3 standardNic(int key, String mac, String network) {
    VirtualVmxnet3 nic = new VirtualVmxnet3();
    nic.setKey(key);
    nic.setMacAddress(mac);
    VirtualEthernetCardNetworkBackingInfo b = new VirtualEthernetCardNetworkBackingInfo();
    b.setNetwork(mor("Network", network));
    b.setDeviceName("VM Network");
    nic.setBacking(b);
    return nic;
  }

  static ArrayOfVirtualDevice devices(VirtualDevice... devices) {
    ArrayOfVirtualDevice a = new ArrayOfVirtualDevice();
    VirtualDisk disk = new VirtualDisk();
    disk.setKey(2000);
    VirtualDevice[] all = new VirtualDevice[devices.length + 1];
    all[0] = disk;
    System.arraycopy(devices, 0, all, 1, devices.length);
    a.setVirtualDevice(all);
    return a;
  }

  static VMwareDVSPortSetting vlan(int id) {
    VmwareDistributedVirtualSwitchVlanIdSpec spec = new VmwareDistributedVirtualSwitchVlanIdSpec();
    spec.setVlanId(id);
    VMwareDVSPortSetting s = new VMwareDVSPortSetting();
    s.setVlan(spec);
    return s;
  }

  static VMwareDVSPortSetting trunk(int... startEnd) {
    NumericRange[] ranges = new NumericRange[startEnd.length / 2];
    for (int i = 0; i < ranges.length; i++) {
      ranges[i] = new NumericRange();
      ranges[i].setStart(startEnd[2 * i]);
      ranges[i].setEnd(startEnd[2 * i + 1]);
    }
    VmwareDistributedVirtualSwitchTrunkVlanSpec spec =
        new VmwareDistributedVirtualSwitchTrunkVlanSpec();
    spec.setVlanId(ranges);
    VMwareDVSPortSetting s = new VMwareDVSPortSetting();
    s.setVlan(spec);
    return s;
  }

  static ArrayOfTag tags(String... keys) {
    Tag[] t = new Tag[keys.length];
    for (int i = 0; i < keys.length; i++) {
      t[i] = new Tag();
      t[i].setKey(keys[i]);
    }
    ArrayOfTag a = new ArrayOfTag();
    a.setTag(t);
    return a;
  }

  static ArrayOfManagedObjectReference morefs(String type, String... ids) {
    ManagedObjectReference[] m = new ManagedObjectReference[ids.length];
    for (int i = 0; i < ids.length; i++) {
      m[i] = mor(type, ids[i]);
    }
    ArrayOfManagedObjectReference a = new ArrayOfManagedObjectReference();
    a.setManagedObjectReference(m);
    return a;
  }
}
