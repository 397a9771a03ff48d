package io.switchplane.vcenter;

import com.vmware.vim25.ArrayOfGuestNicInfo;
import com.vmware.vim25.ArrayOfManagedObjectReference;
import com.vmware.vim25.ArrayOfTag;
import com.vmware.vim25.ArrayOfVirtualDevice;
import com.vmware.vim25.DVPortSetting;
import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.GuestNicInfo;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.NetIpConfigInfoIpAddress;
import com.vmware.vim25.NumericRange;
import com.vmware.vim25.Tag;
import com.vmware.vim25.VMwareDVSPortSetting;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceBackingInfo;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VmwareDistributedVirtualSwitchTrunkVlanSpec;
import com.vmware.vim25.VmwareDistributedVirtualSwitchVlanIdSpec;
import com.vmware.vim25.VmwareDistributedVirtualSwitchVlanSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the vSphere property values yavijava decodes into the plain values the inventory keeps.
 * yavijava hands arrays either as {@code ArrayOfX} wrappers or as Java arrays depending on the
 * call, so every reader accepts both. Nothing here talks to vCenter.
 */
final class PropertyValues {
  /** The tag vCenter puts on a distributed switch's uplink port group. */
  static final String UPLINK_TAG = "SYSTEM/DVS.UPLINKPG";

  private PropertyValues() {}

  /**
   * A NIC as read from the device list, before its DVS port group key is resolved to a moref.
   *
   * @param network moref of a standard network ("" when DVS-backed or none)
   * @param portgroupKey the DVS port group key ("" when not DVS-backed)
   */
  record RawNic(
      String label,
      String mac,
      String network,
      String portgroupKey,
      String portKey,
      boolean connected,
      int deviceKey) {}

  /**
   * A NIC as the guest's VMware Tools report it ({@code guest.net}).
   *
   * @param deviceKey the key of the virtual device it is, or -1 when the tools do not say
   * @param ips its addresses, each once, as reported (ipConfig's first, then the plain list)
   */
  record GuestNic(String mac, int deviceKey, List<String> ips) {}

  /**
   * The NICs of a {@code guest.net} value. The addresses come from {@code ipConfig.ipAddress}
   * (address and prefix, newer tools) and {@code ipAddress} (older tools; the simulator sets only
   * this one), merged.
   */
  static List<GuestNic> guestNics(Object value) {
    GuestNicInfo[] nics =
        value instanceof ArrayOfGuestNicInfo a
            ? a.getGuestNicInfo()
            : value instanceof GuestNicInfo[] n ? n : null;
    List<GuestNic> out = new ArrayList<>();
    if (nics == null) {
      return out;
    }
    for (GuestNicInfo n : nics) {
      if (n == null) {
        continue;
      }
      Set<String> ips = new LinkedHashSet<>();
      if (n.getIpConfig() != null && n.getIpConfig().getIpAddress() != null) {
        for (NetIpConfigInfoIpAddress a : n.getIpConfig().getIpAddress()) {
          if (a != null && a.getIpAddress() != null && !a.getIpAddress().isEmpty()) {
            ips.add(a.getIpAddress());
          }
        }
      }
      if (n.getIpAddress() != null) {
        for (String a : n.getIpAddress()) {
          if (a != null && !a.isEmpty()) {
            ips.add(a);
          }
        }
      }
      // vSphere marks a guest NIC that is no virtual device (e.g. a VPN adapter) with key -1;
      // yavijava reads an absent key as 0, which is no device key either.
      int key = n.getDeviceConfigId() > 0 ? n.getDeviceConfigId() : -1;
      out.add(
          new GuestNic(n.getMacAddress() == null ? "" : n.getMacAddress(), key, List.copyOf(ips)));
    }
    return out;
  }

  /**
   * vCenter's enums arrive as yavijava enums (or strings): their constant names are vCenter's
   * words.
   */
  static String text(Object value) {
    if (value == null) {
      return "";
    }
    return value instanceof Enum<?> e ? e.name() : value.toString();
  }

  static boolean bool(Object value) {
    return value instanceof Boolean b ? b : Boolean.parseBoolean(text(value));
  }

  static String moref(Object value) {
    return value instanceof ManagedObjectReference m && m.getVal() != null ? m.getVal() : "";
  }

  static Inventory.PowerState power(Object value) {
    return switch (text(value)) {
      case "poweredOn" -> Inventory.PowerState.POWERED_ON;
      case "suspended" -> Inventory.PowerState.SUSPENDED;
      default -> Inventory.PowerState.POWERED_OFF;
    };
  }

  static List<String> morefs(Object value) {
    ManagedObjectReference[] refs =
        value instanceof ArrayOfManagedObjectReference a
            ? a.getManagedObjectReference()
            : value instanceof ManagedObjectReference[] r ? r : null;
    List<String> out = new ArrayList<>();
    if (refs != null) {
      for (ManagedObjectReference r : refs) {
        out.add(moref(r));
      }
    }
    return out;
  }

  static boolean hasUplinkTag(Object value) {
    Tag[] tags = value instanceof ArrayOfTag a ? a.getTag() : value instanceof Tag[] t ? t : null;
    if (tags != null) {
      for (Tag t : tags) {
        if (t != null && UPLINK_TAG.equals(t.getKey())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The ethernet cards of a {@code config.hardware.device} value, in device order. */
  static List<RawNic> nics(Object value) {
    VirtualDevice[] devices =
        value instanceof ArrayOfVirtualDevice a
            ? a.getVirtualDevice()
            : value instanceof VirtualDevice[] d ? d : null;
    List<RawNic> out = new ArrayList<>();
    if (devices == null) {
      return out;
    }
    for (VirtualDevice d : devices) {
      if (!(d instanceof VirtualEthernetCard card)) {
        continue;
      }
      String label =
          d.getDeviceInfo() != null && d.getDeviceInfo().getLabel() != null
              ? d.getDeviceInfo().getLabel()
              : "ethernet-" + d.getKey();
      String mac = card.getMacAddress() == null ? "" : card.getMacAddress();
      // No connect info means nothing says the NIC is disconnected.
      boolean connected = d.getConnectable() == null || d.getConnectable().isConnected();
      VirtualDeviceBackingInfo backing = d.getBacking();
      String network = "";
      String pgKey = "";
      String portKey = "";
      if (backing instanceof VirtualEthernetCardNetworkBackingInfo n) {
        network = moref(n.getNetwork());
      } else if (backing instanceof VirtualEthernetCardDistributedVirtualPortBackingInfo dv
          && dv.getPort() != null) {
        DistributedVirtualSwitchPortConnection port = dv.getPort();
        pgKey = port.getPortgroupKey() == null ? "" : port.getPortgroupKey();
        portKey = port.getPortKey() == null ? "" : port.getPortKey();
      }
      out.add(new RawNic(label, mac, network, pgKey, portKey, connected, d.getKey()));
    }
    return out;
  }

  /**
   * The VLANs of a port group's {@code config.defaultPortConfig}: a VLAN id spec gives one VLAN (0
   * is untagged: none), a trunk spec its ranges clipped to 1-4094 (the uplink group's 0-4094 is
   * "all"). Private VLANs and unknown specs give none.
   */
  static VlanSet vlans(Object value) {
    if (!(value instanceof DVPortSetting setting)
        || !(setting instanceof VMwareDVSPortSetting vmw)) {
      return VlanSet.EMPTY;
    }
    VmwareDistributedVirtualSwitchVlanSpec spec = vmw.getVlan();
    if (spec instanceof VmwareDistributedVirtualSwitchVlanIdSpec id) {
      int v = id.getVlanId();
      return v >= VlanSet.MIN && v <= VlanSet.MAX ? VlanSet.of(v) : VlanSet.EMPTY;
    }
    if (spec instanceof VmwareDistributedVirtualSwitchTrunkVlanSpec trunk
        && trunk.getVlanId() != null) {
      List<VlanSet.Range> ranges = new ArrayList<>();
      for (NumericRange r : trunk.getVlanId()) {
        int first = Math.max(VlanSet.MIN, r.getStart());
        int last = Math.min(VlanSet.MAX, r.getEnd());
        if (first <= last) {
          ranges.add(new VlanSet.Range(first, last));
        }
      }
      return VlanSet.ofRanges(ranges);
    }
    return VlanSet.EMPTY;
  }
}
