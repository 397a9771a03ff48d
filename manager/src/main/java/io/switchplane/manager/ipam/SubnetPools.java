package io.switchplane.manager.ipam;

import io.switchplane.api.v1.Subnet;
import io.switchplane.ipam.AllocationCursor;
import io.switchplane.ipam.Ip;
import io.switchplane.ipam.SubnetSpec;
import io.switchplane.manager.store.IpamStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This manager's allocation state per subnet: its checked addressing and the {@link
 * AllocationCursor} proposing free addresses. One instance per manager, shared by every allocating
 * path ({@link Ipam} for VM NICs, {@link VmkAddresses} for VMkernel ports), so there is one
 * allocator; ZooKeeper's create of the address znode decides who really takes an address.
 */
public final class SubnetPools {
  /** A subnet's addressing and this manager's cursor into it. */
  public record Pool(SubnetSpec spec, AllocationCursor cursor) {}

  private final IpamStore store;
  private final Map<String, Pool> pools = new ConcurrentHashMap<>();

  public SubnetPools(IpamStore store) {
    this.store = store;
  }

  /** The subnet's pool, made (and filled with what is taken) on first use. */
  public Pool pool(Subnet subnet) {
    return pools.computeIfAbsent(
        subnet.getId(),
        id -> {
          SubnetSpec spec = SubnetSpec.of(subnet);
          Pool p = new Pool(spec, new AllocationCursor(spec.pool()));
          refresh(subnet, p);
          return p;
        });
  }

  /** The pool of a subnet when this manager has made one; null otherwise. */
  public Pool existing(String subnetId) {
    return pools.get(subnetId);
  }

  /** Re-reads what is taken in the subnet into its cursor. */
  public void refresh(Subnet subnet, Pool pool) {
    List<Ip> stored = new ArrayList<>();
    for (String text : store.addresses(subnet.getId())) {
      stored.add(Ip.parse(text, "stored address"));
    }
    pool.cursor().refresh(stored);
  }

  /** Forgets a deleted subnet. */
  public void forget(String subnetId) {
    pools.remove(subnetId);
  }
}
