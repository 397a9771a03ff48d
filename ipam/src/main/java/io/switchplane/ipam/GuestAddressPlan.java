package io.switchplane.ipam;

import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Subnet;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What the NIC records must become for the addresses VMware Tools report: which records to make,
 * which guest-tools records to release and which addresses are in conflict. Pure: the same input
 * gives the same plan; the caller reads the store and writes the plan.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>A reported address counts when it falls in a subnet reachable from the NIC's L2 network and
 *       a NIC may hold it (not the gateway or the network's own address); others are ignored.
 *   <li>An address reported by one MAC and held by no record is recorded (source GUEST_TOOLS); one
 *       already held by that MAC stays as it is.
 *   <li>An address reported by two or more MACs, or held by a record of another MAC, is a conflict
 *       (KIND_TWO_MACS): a record that held it keeps it, none is made while it is disputed.
 *   <li>A NIC with a FIXED record in a subnet that reports another address of that subnet: the
 *       fixed record wins, the guest's address is a conflict (KIND_DIFFERS_FROM_FIXED).
 *   <li>A GUEST_TOOLS record is released when its VM is gone from every followed vCenter, when its
 *       VM no longer has a NIC with its MAC, or when that NIC's guest reports addresses that no
 *       longer include it; never because a VM is powered off or its tools report nothing (their
 *       address is still the guest's). Releases are planned only from a complete view (every
 *       followed vCenter synced), so a vCenter that is down does not release its VMs' records.
 * </ul>
 */
public final class GuestAddressPlan {
  /**
   * A VM NIC as vCenter reports it.
   *
   * @param network the Switchplane port group its vCenter network maps to; null when none does
   * @param ips the addresses its guest reports, as reported
   */
  public record Observed(
      String vmUuid, String vmName, String mac, L2Network network, List<String> ips) {
    public Observed {
      mac = mac.toLowerCase(Locale.ROOT);
      ips = List.copyOf(ips);
    }
  }

  /**
   * The plan.
   *
   * @param take records to make (source GUEST_TOOLS), by subnet id
   * @param release records to release
   * @param conflicts per subnet id, sorted by address
   */
  public record Plan(
      Map<String, List<NicRecord>> take,
      List<NicRecord> release,
      Map<String, List<AddressConflict>> conflicts) {}

  private record Claim(Observed nic, String subnetId, String address) {}

  private GuestAddressPlan() {}

  /**
   * @param nics every NIC of every followed vCenter's VMs
   * @param complete whether nics covers every followed vCenter (releases need it)
   * @param subnets every subnet by id
   * @param reachable the subnet ids reachable from a network
   * @param records every record by subnet id
   * @param nowMs the time stamp of new records and conflicts
   * @param by who makes the records (created_by)
   */
  public static Plan plan(
      Collection<Observed> nics,
      boolean complete,
      Map<String, Subnet> subnets,
      Function<L2Network, List<String>> reachable,
      Map<String, List<NicRecord>> records,
      long nowMs,
      String by) {
    Map<String, SubnetSpec> specs = new HashMap<>();
    subnets.forEach((id, s) -> specs.put(id, SubnetSpec.of(s)));
    Map<String, NicRecord> held = new HashMap<>(); // subnet id + "/" + address
    Map<String, List<NicRecord>> fixedByNic = new HashMap<>(); // vm + mac
    records.forEach(
        (id, rs) ->
            rs.forEach(
                r -> {
                  held.put(id + "/" + r.getAddress(), r);
                  if (r.getSource() == AddressSource.ADDRESS_SOURCE_FIXED) {
                    fixedByNic.computeIfAbsent(nicKey(r), k -> new ArrayList<>()).add(r);
                  }
                }));

    // Which subnet each reported address falls in, per NIC; claims by subnet and address.
    Map<String, List<Claim>> claims = new TreeMap<>();
    Map<String, Observed> byNic = new HashMap<>();
    Set<String> vms = new java.util.HashSet<>();
    for (Observed nic : nics) {
      vms.add(nic.vmUuid());
      byNic.put(nic.vmUuid() + "/" + nic.mac(), nic);
      if (nic.network() == null) {
        continue;
      }
      List<String> ids = reachable.apply(nic.network());
      for (String text : nic.ips()) {
        Optional<Ip> ip = parse(text);
        if (ip.isEmpty()) {
          continue;
        }
        for (String id : ids) {
          SubnetSpec spec = specs.get(id);
          if (spec != null && spec.cidr().contains(ip.get()) && spec.assignable(ip.get())) {
            String address = ip.get().toString();
            List<Claim> list = claims.computeIfAbsent(id + "/" + address, k -> new ArrayList<>());
            if (list.stream().noneMatch(c -> c.nic().mac().equals(nic.mac()))) {
              list.add(new Claim(nic, id, address));
            }
            break; // reachable subnets of one network do not overlap
          }
        }
      }
    }

    Map<String, List<NicRecord>> take = new TreeMap<>();
    Map<String, List<AddressConflict>> conflicts = new TreeMap<>();
    for (List<Claim> list : claims.values()) {
      Claim first = list.get(0);
      String id = first.subnetId();
      NicRecord holder = held.get(id + "/" + first.address());
      List<Claim> others =
          holder == null
              ? list
              : list.stream().filter(c -> !c.nic().mac().equals(holder.getMac())).toList();
      if (holder != null && others.isEmpty()) {
        continue; // recorded already for that MAC
      }
      if (holder != null || others.size() > 1) {
        conflicts
            .computeIfAbsent(id, k -> new ArrayList<>())
            .add(twoMacs(subnets.get(id), first.address(), holder, others, nowMs, by));
        continue;
      }
      Observed nic = first.nic();
      Optional<NicRecord> fixed =
          fixedByNic.getOrDefault(nic.vmUuid() + "/" + nic.mac(), List.of()).stream()
              .filter(r -> r.getSubnetId().equals(id))
              .findFirst();
      if (fixed.isPresent()) {
        conflicts
            .computeIfAbsent(id, k -> new ArrayList<>())
            .add(
                AddressConflict.newBuilder()
                    .setSubnetId(id)
                    .setAddress(first.address())
                    .setKind(AddressConflict.Kind.KIND_DIFFERS_FROM_FIXED)
                    .setHolder(fixed.get())
                    .addClaimants(record(nic, id, first.address(), nowMs, by))
                    .setDetail(
                        String.format(
                            "VM %s (MAC %s) reports %s but its address in subnet '%s' is fixed"
                                + " to %s by an operator; the fixed address is kept",
                            name(nic),
                            nic.mac(),
                            first.address(),
                            subnets.get(id).getName(),
                            fixed.get().getAddress()))
                    .setSinceUnixMs(nowMs)
                    .build());
        continue;
      }
      take.computeIfAbsent(id, k -> new ArrayList<>())
          .add(record(nic, id, first.address(), nowMs, by));
    }

    List<NicRecord> release = new ArrayList<>();
    if (complete) {
      for (Map.Entry<String, NicRecord> e : held.entrySet()) {
        NicRecord r = e.getValue();
        if (r.getSource() != AddressSource.ADDRESS_SOURCE_GUEST_TOOLS) {
          continue;
        }
        Observed nic = byNic.get(r.getVmUuid() + "/" + r.getMac());
        boolean gone = !vms.contains(r.getVmUuid()) || nic == null;
        boolean moved =
            nic != null
                && !nic.ips().isEmpty()
                && nic.ips().stream()
                    .map(GuestAddressPlan::parse)
                    .flatMap(Optional::stream)
                    .noneMatch(ip -> ip.toString().equals(r.getAddress()));
        if (gone || moved) {
          release.add(r);
        }
      }
      release.sort(
          Comparator.comparing(NicRecord::getSubnetId).thenComparing(NicRecord::getAddress));
    }
    return new Plan(take, release, conflicts);
  }

  private static AddressConflict twoMacs(
      Subnet subnet, String address, NicRecord holder, List<Claim> others, long nowMs, String by) {
    AddressConflict.Builder c =
        AddressConflict.newBuilder()
            .setSubnetId(subnet.getId())
            .setAddress(address)
            .setKind(AddressConflict.Kind.KIND_TWO_MACS)
            .setSinceUnixMs(nowMs);
    List<String> who = new ArrayList<>();
    if (holder != null) {
      c.setHolder(holder);
    }
    for (Claim o : others) {
      c.addClaimants(record(o.nic(), subnet.getId(), address, nowMs, by));
      who.add("VM " + name(o.nic()) + " (MAC " + o.nic().mac() + ")");
    }
    c.setDetail(
        holder == null
            ? String.format(
                "%s of subnet '%s' is reported by %s; not recorded while they disagree",
                address, subnet.getName(), String.join(" and ", who))
            : String.format(
                "%s of subnet '%s' is held by VM %s (MAC %s, %s) and also reported by %s; the"
                    + " holder keeps it",
                address,
                subnet.getName(),
                holder.getVmUuid().isEmpty() ? "(none yet)" : holder.getVmUuid(),
                holder.getMac().isEmpty() ? "unknown" : holder.getMac(),
                holder
                    .getSource()
                    .name()
                    .substring("ADDRESS_SOURCE_".length())
                    .toLowerCase(Locale.ROOT),
                String.join(" and ", who)));
    return c.build();
  }

  private static NicRecord record(
      Observed nic, String subnetId, String address, long now, String by) {
    return NicRecord.newBuilder()
        .setVmUuid(nic.vmUuid())
        .setMac(nic.mac())
        .setNetwork(nic.network())
        .setSubnetId(subnetId)
        .setAddress(address)
        .setSource(AddressSource.ADDRESS_SOURCE_GUEST_TOOLS)
        .setCreatedUnixMs(now)
        .setCreatedBy(by)
        .build();
  }

  private static String name(Observed nic) {
    return nic.vmName().isEmpty() ? nic.vmUuid() : nic.vmName() + " " + nic.vmUuid();
  }

  private static String nicKey(NicRecord r) {
    return r.getVmUuid() + "/" + r.getMac().toLowerCase(Locale.ROOT);
  }

  /** The address, canonical; empty for what is no address (a zone-scoped link-local, garbage). */
  static Optional<Ip> parse(String text) {
    try {
      return Optional.of(Ip.parse(text, "guest address"));
    } catch (SwitchplaneException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * For subnet create: per network other than those given, the first NIC (in the given order) whose
   * guest reports an address in cidr that a NIC may hold.
   */
  public static Map<L2Network, Map.Entry<Observed, String>> detect(
      Collection<Observed> nics, SubnetSpec spec, Collection<L2Network> skip) {
    Map<L2Network, Map.Entry<Observed, String>> out = new LinkedHashMap<>();
    for (Observed nic : nics) {
      if (nic.network() == null || skip.contains(nic.network()) || out.containsKey(nic.network())) {
        continue;
      }
      for (String text : nic.ips()) {
        Optional<Ip> ip = parse(text);
        if (ip.isPresent() && spec.cidr().contains(ip.get()) && spec.assignable(ip.get())) {
          out.put(nic.network(), Map.entry(nic, ip.get().toString()));
          break;
        }
      }
    }
    return out;
  }
}
