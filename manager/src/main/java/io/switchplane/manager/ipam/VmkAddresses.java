package io.switchplane.manager.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.Subnet;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.ipam.InterfaceAddress;
import io.switchplane.ipam.Ip;
import io.switchplane.ipam.SubnetSpec;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.changeset.EntityWrite;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.ipam.SubnetPools.Pool;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.store.IpamStore;
import io.switchplane.manager.store.IpamStore.Versioned;
import io.switchplane.manager.store.PlanRecords;
import io.switchplane.manager.store.ZkTxn;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * VMkernel port addresses from the IP subnets. Where a VMkernel port's port group reaches IP
 * subnets, its address is a NIC record of one of them ({@code vmk_port_key} set), like a VM NIC's:
 *
 * <ul>
 *   <li>{@link #assign} (operators' change sets, before they are stored): a port without address
 *       gets one from this manager's {@link SubnetPools} cursor (the allocator {@link Ipam} uses),
 *       preferring the subnet whose default network is the port group; a given address must lie in
 *       a reachable subnet (FAILED_PRECONDITION, reason VMK_ADDRESS_OUTSIDE_SUBNET), with the
 *       subnet's prefix length (INVALID_ARGUMENT, VMK_ADDRESS_PREFIX_MISMATCH), and not be held by
 *       another record (ALREADY_EXISTS, VMK_ADDRESS_TAKEN). A port group reaching no subnet keeps
 *       the old rule: the address is optional and checked for form only.
 *   <li>{@link #addTo} (every change set {@code DvsStore} commits, whatever path made it): the
 *       record znodes follow the ports in the change set's own ZooKeeper transaction: a new address
 *       is created (a taken one fails the whole transaction), an address a port leaves or a deleted
 *       port's is deleted at the version read. So a port and its record are stored together or not
 *       at all; an atomic change set's abort, a restore or a migration keep them together too.
 * </ul>
 */
public final class VmkAddresses implements PlanRecords {
  /** Addresses one assign tries per port before giving up on a crowded subnet (ABORTED). */
  static final int MAX_PROPOSALS = 64;

  private final IpamStore store;
  private final SubnetPools pools;
  private final Clock clock;

  /** Records {@link #assign} prepared, by DVS id, port key and address, for {@link #addTo}. */
  private final Map<String, NicRecord> prepared = new ConcurrentHashMap<>();

  public VmkAddresses(IpamStore store, SubnetPools pools, Clock clock) {
    this.store = store;
    this.pools = pools;
    this.clock = clock;
  }

  /**
   * The plan with every written VMkernel port's address checked and, where its port group reaches a
   * subnet and it has none, allocated. Reads ZooKeeper; writes nothing (the records are written
   * with the change set, see {@link #addTo}).
   */
  public Plan assign(Plan plan) {
    String dvsId = plan.before().id();
    Map<String, Port> filled = new LinkedHashMap<>();
    for (EntityWrite w : plan.writes()) {
      if (w instanceof EntityWrite.PutPort put && put.port().getConnectee().hasVmkNic()) {
        Port before = plan.before().ports().get(put.port().getKey());
        Port port = assign(dvsId, put.port(), before);
        if (!port.equals(put.port())) {
          filled.put(port.getKey(), port);
        }
      }
    }
    if (filled.isEmpty()) {
      return plan;
    }
    List<EntityWrite> writes = new ArrayList<>();
    for (EntityWrite w : plan.writes()) {
      if (w instanceof EntityWrite.PutPort put && filled.containsKey(put.port().getKey())) {
        writes.add(new EntityWrite.PutPort(filled.get(put.port().getKey()), put.created()));
      } else {
        writes.add(w);
      }
    }
    DvsConfig.Builder after = plan.after().toBuilder();
    after.ports().putAll(filled);
    return new Plan(plan.before(), after.build(), writes, plan.addedMembers(), plan.portGroupIds());
  }

  private Port assign(String dvsId, Port port, Port before) {
    L2Network network = network(dvsId, port);
    List<Versioned<Subnet>> reachable = reachable(network);
    if (reachable.isEmpty()) {
      return port; // no subnet: the address is optional, its form checked by the planner
    }
    VmkNic vmk = port.getConnectee().getVmkNic();
    if (vmk.getAddress().isEmpty()) {
      Optional<String> kept = keptAddress(dvsId, port, before, network);
      return withAddress(port, kept.orElseGet(() -> allocate(dvsId, port, network, reachable)));
    }
    InterfaceAddress a = InterfaceAddress.parse(vmk.getAddress());
    Versioned<Subnet> s = holding(reachable, a.address(), port, network);
    SubnetSpec spec = pools.pool(s.value()).spec();
    if (spec.cidr().prefix() != a.network().prefix()) {
      throw invalid(
              "port '%s': address %s has prefix length %d, subnet '%s' (%s) has %d",
              port.getKey(),
              vmk.getAddress(),
              a.network().prefix(),
              s.value().getName(),
              s.value().getCidr(),
              spec.cidr().prefix())
          .because(ErrorReason.VMK_ADDRESS_PREFIX_MISMATCH);
    }
    String ip = a.address().toString();
    Optional<Versioned<NicRecord>> held = store.held(s.value().getId(), ip);
    if (held.isPresent() && !ours(held.get().value(), dvsId, port.getKey())) {
      throw taken(port.getKey(), ip, held.get().value());
    }
    if (held.isEmpty()) {
      prepared.put(
          key(dvsId, port.getKey(), ip),
          record(port, network, s.value(), ip, AddressSource.ADDRESS_SOURCE_FIXED));
    }
    return port;
  }

  /** An update that leaves the address empty keeps the one the port holds in a reachable subnet. */
  private Optional<String> keptAddress(String dvsId, Port port, Port before, L2Network network) {
    if (before == null || !before.getConnectee().hasVmkNic()) {
      return Optional.empty();
    }
    String was = before.getConnectee().getVmkNic().getAddress();
    if (was.isEmpty()) {
      return Optional.empty();
    }
    InterfaceAddress a = InterfaceAddress.parse(was);
    return heldRecord(dvsId, port.getKey(), network, a.address())
        .map(r -> was)
        .or(() -> Optional.empty());
  }

  private String allocate(
      String dvsId, Port port, L2Network network, List<Versioned<Subnet>> reachable) {
    List<Versioned<Subnet>> order = new ArrayList<>(reachable);
    // The subnet whose home the port group is comes first; then as the index lists them.
    order.sort((x, y) -> Boolean.compare(!home(x, network), !home(y, network)));
    for (Versioned<Subnet> s : order) {
      Pool pool = pools.pool(s.value());
      boolean refreshed = false;
      for (int i = 0; i < MAX_PROPOSALS; i++) {
        Optional<Ip> proposed = pool.cursor().propose();
        if (proposed.isEmpty()) {
          if (refreshed) {
            break;
          }
          pools.refresh(s.value(), pool);
          refreshed = true;
          continue;
        }
        Ip ip = proposed.get();
        if (store.held(s.value().getId(), ip.toString()).isPresent()) {
          pool.cursor().collided(ip);
          continue;
        }
        // Counted as taken now; should the change set fail, a later refresh frees it again.
        pool.cursor().taken(ip);
        prepared.put(
            key(dvsId, port.getKey(), ip.toString()),
            record(
                port, network, s.value(), ip.toString(), AddressSource.ADDRESS_SOURCE_ALLOCATED));
        return ip + "/" + pool.spec().cidr().prefix();
      }
    }
    throw SwitchplaneException.exhausted(
        "port '%s': no free address in the subnet(s) reachable from its port group (%s); release "
            + "some or give the address",
        port.getKey(), String.join(", ", order.stream().map(s -> s.value().getName()).toList()));
  }

  private Versioned<Subnet> holding(
      List<Versioned<Subnet>> reachable, Ip ip, Port port, L2Network network) {
    for (Versioned<Subnet> s : reachable) {
      SubnetSpec spec = pools.pool(s.value()).spec();
      if (spec.cidr().contains(ip)) {
        if (!spec.assignable(ip)) {
          throw precondition(
                  "port '%s': %s is the gateway or the network's own address of subnet '%s' (%s)",
                  port.getKey(), ip, s.value().getName(), s.value().getCidr())
              .because(ErrorReason.VMK_ADDRESS_OUTSIDE_SUBNET);
        }
        return s;
      }
    }
    throw precondition(
            "port '%s': %s is in no IP subnet reachable from its port group (reachable: %s)",
            port.getKey(),
            ip,
            String.join(
                ", ",
                reachable.stream()
                    .map(s -> s.value().getName() + " " + s.value().getCidr())
                    .toList()))
        .because(ErrorReason.VMK_ADDRESS_OUTSIDE_SUBNET)
        .with(Map.of("address", ip.toString()));
  }

  /**
   * The id of the IP subnet reachable from the port group that holds ip; empty when none does (the
   * migration precheck then compares prefixes).
   */
  public Optional<String> subnetId(String dvsId, String portGroupId, Ip ip) {
    L2Network network = L2Network.newBuilder().setDvs(dvsId).setPortGroup(portGroupId).build();
    return subnetOf(new Placed(network, ip)).map(s -> s.value().getId());
  }

  // ---- the records in the change set's transaction ----

  @Override
  public void addTo(ZkTxn txn, Plan plan) {
    String dvsId = plan.before().id();
    TreeSet<String> keys = new TreeSet<>();
    for (EntityWrite w : plan.writes()) {
      if (w instanceof EntityWrite.PutPort p) {
        keys.add(p.port().getKey());
      } else if (w instanceof EntityWrite.DeletePort d) {
        keys.add(d.key());
      }
    }
    for (String key : keys) {
      Port was = plan.before().ports().get(key);
      Port now = plan.after().ports().get(key);
      Optional<Placed> old = placed(dvsId, was);
      Optional<Placed> next = placed(dvsId, now);
      if (old.equals(next)) {
        continue;
      }
      boolean released = false;
      if (old.isPresent()) {
        Optional<Versioned<NicRecord>> r = heldVersioned(dvsId, key, old.get());
        if (r.isPresent()) {
          IpamStore.release(txn, r.get().value(), r.get().version());
          released = true;
        }
      }
      if (next.isPresent()) {
        Optional<Versioned<Subnet>> found = subnetOf(next.get());
        if (found.isEmpty()) {
          continue; // no subnet holds it: form-checked only
        }
        Subnet s = found.get().value();
        String ip = next.get().ip().toString();
        boolean sameZnode =
            released
                && old.get().ip().equals(next.get().ip())
                && subnetOf(old.get()).map(o -> o.value().getId()).equals(Optional.of(s.getId()));
        Optional<Versioned<NicRecord>> mine =
            sameZnode ? Optional.empty() : heldVersioned(dvsId, key, next.get());
        if (mine.isPresent()) {
          continue; // kept from before (a restore bringing back what was there)
        }
        NicRecord r = prepared.remove(key(dvsId, key, ip));
        if (r == null || !r.getSubnetId().equals(s.getId())) {
          // Not planned by assign here (an atomic abort, a restore): the port's own address.
          r = record(now, next.get().network(), s, ip, AddressSource.ADDRESS_SOURCE_FIXED);
        }
        IpamStore.take(txn, r.toBuilder().setNetwork(next.get().network()).build());
      }
    }
  }

  @Override
  public SwitchplaneException explain(ZkTxn.Rejection r) {
    Optional<String> address = IpamStore.addressOf(r.op().path());
    if (address.isEmpty()) {
      return null;
    }
    return switch (r.code()) {
      case NODEEXISTS ->
          new SwitchplaneException(
                  ErrorCode.ALREADY_EXISTS,
                  address.get() + " is taken (recorded meanwhile); nothing was changed")
              .because(ErrorReason.VMK_ADDRESS_TAKEN)
              .with(Map.of("address", address.get()));
      case NONODE, BADVERSION ->
          SwitchplaneException.aborted(
              "the record of %s changed concurrently; retry", address.get());
      default -> null;
    };
  }

  /** A VMkernel port's address and network; empty for other ports and ports without one. */
  private record Placed(L2Network network, Ip ip) {}

  private static Optional<Placed> placed(String dvsId, Port p) {
    if (p == null
        || !p.getConnectee().hasVmkNic()
        || p.getConnectee().getVmkNic().getAddress().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Placed(
            network(dvsId, p),
            InterfaceAddress.parse(p.getConnectee().getVmkNic().getAddress()).address()));
  }

  private Optional<Versioned<Subnet>> subnetOf(Placed p) {
    for (Versioned<Subnet> s : reachable(p.network())) {
      if (SubnetSpec.of(s.value()).cidr().contains(p.ip())) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The record of the port's address, when it is this port's (dvs and key). */
  private Optional<Versioned<NicRecord>> heldVersioned(String dvsId, String key, Placed p) {
    return subnetOf(p)
        .flatMap(s -> store.held(s.value().getId(), p.ip().toString()))
        .filter(r -> ours(r.value(), dvsId, key));
  }

  private Optional<NicRecord> heldRecord(String dvsId, String key, L2Network network, Ip ip) {
    return heldVersioned(dvsId, key, new Placed(network, ip)).map(Versioned::value);
  }

  private List<Versioned<Subnet>> reachable(L2Network network) {
    List<Versioned<Subnet>> out = new ArrayList<>();
    for (String id : store.reachable(network).value()) {
      store.subnet(id).ifPresent(out::add);
    }
    return out;
  }

  private NicRecord record(Port port, L2Network network, Subnet s, String ip, AddressSource src) {
    return NicRecord.newBuilder()
        .setMac(port.getConnectee().getVmkNic().getMac())
        .setNetwork(network)
        .setSubnetId(s.getId())
        .setAddress(ip)
        .setSource(src)
        .setVmkPortKey(port.getKey())
        .setCreatedUnixMs(clock.millis())
        .setCreatedBy(Caller.current().principal())
        .build();
  }

  private static SwitchplaneException taken(String key, String ip, NicRecord holder) {
    String by =
        holder.getVmkPortKey().isEmpty()
            ? (holder.getVmUuid().isEmpty()
                ? "an allocation for no VM yet"
                : "VM " + holder.getVmUuid() + " (MAC " + holder.getMac() + ")")
            : "VMkernel port '" + holder.getVmkPortKey() + "'";
    return SwitchplaneException.alreadyExists(
            "port '%s': %s is taken by %s; nothing was changed", key, ip, by)
        .because(ErrorReason.VMK_ADDRESS_TAKEN)
        .with(Map.of("address", ip));
  }

  private static boolean ours(NicRecord r, String dvsId, String key) {
    return r.getVmkPortKey().equals(key) && r.getNetwork().getDvs().equals(dvsId);
  }

  private static boolean home(Versioned<Subnet> s, L2Network network) {
    return s.value().getNetwork().equals(network);
  }

  private static L2Network network(String dvsId, Port p) {
    return L2Network.newBuilder().setDvs(dvsId).setPortGroup(p.getPortGroupId()).build();
  }

  private static Port withAddress(Port p, String address) {
    Port.Builder b = p.toBuilder();
    b.getConnecteeBuilder().getVmkNicBuilder().setAddress(address);
    return b.build();
  }

  private static String key(String dvsId, String portKey, String ip) {
    return dvsId + "/" + portKey + "/" + ip;
  }
}
