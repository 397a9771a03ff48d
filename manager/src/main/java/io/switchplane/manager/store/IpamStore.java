package io.switchplane.manager.store;

import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NetworkSubnets;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Subnet;
import io.switchplane.api.v1.SubnetConflicts;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * IP subnets and the addresses taken in them, in ZooKeeper (paths in {@link StoreLayout}).
 *
 * <p>The rule that no address is ever handed out twice is ZooKeeper's, not ours: every taken
 * address is its own znode ({@code subnets/<id>/addresses/<ip>}, holding the NIC record), created
 * in the transaction that records it. A second taker's create fails with NODEEXISTS, whichever
 * manager it runs on and however stale its view was. Each transaction also checks the version of
 * the subnet it read, so an address is never taken under a subnet that changed or went away.
 *
 * <p>Which subnets are reachable from an L2 network is kept per network ({@code
 * networks/<dvs>:<pg>}, written with a version check by every change), so two overlapping subnets
 * cannot both be made reachable from one network by concurrent calls: the second transaction fails
 * and is retried on fresh data. Every write here is one transaction, durable when it returns.
 */
public final class IpamStore {
  /** A value with the znode version it was read at; version -1: the znode does not exist. */
  public record Versioned<T>(T value, int version) {}

  /** How an L2 network's set of reachable subnets changes in a write. */
  public record NetworkChange(
      L2Network network, Versioned<List<String>> before, List<String> after) {}

  private final CuratorFramework client;
  private final ZkReads reads;

  public IpamStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
  }

  /** Creates the parent znodes if missing. Idempotent. */
  public void ensureLayout() {
    reads.ensure(StoreLayout.IPAM_SUBNETS);
    reads.ensure(StoreLayout.IPAM_SUBNET_NAMES);
    reads.ensure(StoreLayout.IPAM_NETWORKS);
    reads.ensure(StoreLayout.IPAM_CONFLICTS);
  }

  // ---- subnets ----

  /** The subnet with its revision (znode version + 1); empty for an unknown id. */
  public Optional<Versioned<Subnet>> subnet(String id) {
    if (!StoreLayout.isSegment(id)) {
      return Optional.empty();
    }
    String path = StoreLayout.subnet(id);
    return reads
        .read(path)
        .map(
            v ->
                new Versioned<>(
                    ZkReads.parse(Subnet.parser(), v.data(), path).toBuilder()
                        .setRevision(v.version() + 1)
                        .build(),
                    v.version()));
  }

  public Optional<String> idByName(String name) {
    if (!StoreLayout.isSegment(name)) {
      return Optional.empty();
    }
    return reads
        .read(StoreLayout.subnetName(name))
        .map(v -> new String(v.data(), StandardCharsets.UTF_8));
  }

  /** Every subnet, sorted by name. */
  public List<Subnet> subnets() {
    List<Subnet> out = new ArrayList<>();
    for (String id : reads.children(StoreLayout.IPAM_SUBNETS)) {
      subnet(id).ifPresent(v -> out.add(v.value()));
    }
    out.sort(Comparator.comparing(Subnet::getName));
    return out;
  }

  /** The ids of the subnets reachable from a network, with the index's version. */
  public Versioned<List<String>> reachable(L2Network network) {
    String path = StoreLayout.l2Network(network.getDvs(), network.getPortGroup());
    return reads
        .read(path)
        .map(
            v ->
                new Versioned<List<String>>(
                    List.copyOf(
                        ZkReads.parse(NetworkSubnets.parser(), v.data(), path).getSubnetIdsList()),
                    v.version()))
        .orElse(new Versioned<>(List.of(), -1));
  }

  /**
   * Stores a new subnet (its id set) and makes it reachable from its networks. ALREADY_EXISTS when
   * the name is taken; ABORTED when a network's set changed since it was read (retry).
   */
  public void create(Subnet subnet, Collection<NetworkChange> networks) {
    ZkTxn txn =
        new ZkTxn()
            .create(StoreLayout.subnet(subnet.getId()), stored(subnet))
            .create(StoreLayout.subnetAddresses(subnet.getId()), new byte[0])
            .create(
                StoreLayout.subnetName(subnet.getName()),
                subnet.getId().getBytes(StandardCharsets.UTF_8));
    networks.forEach(n -> write(txn, n));
    txn.commit(
        client,
        "creating subnet '" + subnet.getName() + "'",
        r ->
            r.op().path().equals(StoreLayout.subnetName(subnet.getName()))
                    && r.code() == KeeperException.Code.NODEEXISTS
                ? SwitchplaneException.alreadyExists("subnet '%s' exists already", subnet.getName())
                : networkChanged(r, subnet));
  }

  /**
   * Replaces a subnet read at version and changes the networks' sets with it. ABORTED when either
   * changed since (retry); NOT_FOUND when the subnet is gone.
   */
  public void update(Subnet subnet, int version, Collection<NetworkChange> networks) {
    ZkTxn txn = new ZkTxn().set(StoreLayout.subnet(subnet.getId()), stored(subnet), version);
    networks.forEach(n -> write(txn, n));
    txn.commit(
        client, "changing subnet '" + subnet.getName() + "'", r -> networkChanged(r, subnet));
  }

  /**
   * Deletes a subnet read at version. FAILED_PRECONDITION while it holds addresses (ZooKeeper will
   * not delete their parent, so an address taken meanwhile wins); ABORTED when it changed.
   */
  public void delete(Subnet subnet, int version, Collection<NetworkChange> networks) {
    ZkTxn txn =
        new ZkTxn()
            .delete(StoreLayout.subnetAddresses(subnet.getId()), -1)
            .delete(StoreLayout.subnet(subnet.getId()), version)
            .delete(StoreLayout.subnetName(subnet.getName()), -1);
    networks.forEach(n -> write(txn, n));
    txn.commit(
        client,
        "deleting subnet '" + subnet.getName() + "'",
        r ->
            r.code() == KeeperException.Code.NOTEMPTY
                ? SwitchplaneException.precondition(
                    "subnet '%s' holds %d addresses; release them first ('switchplane ip release')",
                    subnet.getName(), count(subnet.getId()))
                : networkChanged(r, subnet));
  }

  private static void write(ZkTxn txn, NetworkChange n) {
    String path = StoreLayout.l2Network(n.network().getDvs(), n.network().getPortGroup());
    byte[] data = NetworkSubnets.newBuilder().addAllSubnetIds(n.after()).build().toByteArray();
    if (n.before().version() < 0) {
      txn.create(path, data);
    } else if (n.after().isEmpty()) {
      txn.delete(path, n.before().version());
    } else {
      txn.set(path, data, n.before().version());
    }
  }

  private static SwitchplaneException networkChanged(ZkTxn.Rejection r, Subnet subnet) {
    return switch (r.code()) {
      case BADVERSION, NODEEXISTS ->
          SwitchplaneException.aborted(
              "subnet '%s' or one of its networks was changed concurrently; retry",
              subnet.getName());
      case NONODE ->
          r.op().path().startsWith(StoreLayout.subnet(subnet.getId()))
              ? SwitchplaneException.notFound("subnet '%s' was deleted", subnet.getName())
              : SwitchplaneException.aborted(
                  "a network of subnet '%s' was changed concurrently; retry", subnet.getName());
      default -> null;
    };
  }

  private static byte[] stored(Subnet s) {
    return s.toBuilder().clearRevision().build().toByteArray();
  }

  // ---- addresses ----

  /**
   * Takes each record's address, all or none, if each record's subnet is still at the version given
   * (subnet id to znode version). Returns the address that another record holds already (no write
   * was made), or empty when all were taken. ABORTED when a subnet changed; NOT_FOUND when one was
   * deleted.
   */
  public Optional<String> take(List<NicRecord> records, Map<String, Integer> subnetVersions) {
    ZkTxn txn = new ZkTxn();
    subnetVersions.forEach((id, version) -> txn.check(StoreLayout.subnet(id), version));
    for (NicRecord r : records) {
      take(txn, r);
    }
    String[] taken = {null};
    try {
      txn.commit(
          client,
          "taking " + records.size() + " address(es)",
          r -> {
            if (r.code() == KeeperException.Code.NODEEXISTS) {
              taken[0] = r.op().path().substring(r.op().path().lastIndexOf('/') + 1);
              return new SwitchplaneException(ErrorCode.ALREADY_EXISTS, taken[0] + " is taken");
            }
            return switch (r.code()) {
              case BADVERSION ->
                  SwitchplaneException.aborted("the subnet was changed concurrently; retry");
              case NONODE -> SwitchplaneException.notFound("the subnet was deleted");
              default -> null;
            };
          });
    } catch (SwitchplaneException e) {
      if (taken[0] != null) {
        return Optional.of(taken[0]);
      }
      throw e;
    }
    return Optional.empty();
  }

  /** The record holding an address of a subnet with its znode version; empty when free. */
  public Optional<Versioned<NicRecord>> held(String subnetId, String address) {
    String path = StoreLayout.subnetAddress(subnetId, address);
    return reads
        .read(path)
        .map(v -> new Versioned<>(ZkReads.parse(NicRecord.parser(), v.data(), path), v.version()));
  }

  /** Adds the take of r's address to another transaction (a change set's: VMkernel ports). */
  public static void take(ZkTxn txn, NicRecord r) {
    txn.create(StoreLayout.subnetAddress(r.getSubnetId(), r.getAddress()), r.toByteArray());
  }

  /** Adds the release of r's address, read at version, to another transaction. */
  public static void release(ZkTxn txn, NicRecord r, int version) {
    txn.delete(StoreLayout.subnetAddress(r.getSubnetId(), r.getAddress()), version);
  }

  /** The address, when path is an address znode of a subnet; empty otherwise. */
  public static Optional<String> addressOf(String path) {
    if (!path.startsWith(StoreLayout.IPAM_SUBNETS + "/") || !path.contains("/addresses/")) {
      return Optional.empty();
    }
    return Optional.of(path.substring(path.lastIndexOf('/') + 1));
  }

  /** The record holding an address of a subnet; empty when free. */
  public Optional<NicRecord> record(String subnetId, String address) {
    String path = StoreLayout.subnetAddress(subnetId, address);
    return reads.read(path).map(v -> ZkReads.parse(NicRecord.parser(), v.data(), path));
  }

  /** Every record of a subnet, sorted by address text. */
  public List<NicRecord> records(String subnetId) {
    List<NicRecord> out = new ArrayList<>();
    reads
        .readChildren(StoreLayout.subnetAddresses(subnetId))
        .forEach(
            (ip, data) ->
                out.add(
                    ZkReads.parse(
                        NicRecord.parser(), data, StoreLayout.subnetAddress(subnetId, ip))));
    return out;
  }

  /** The taken addresses of a subnet (names only: one round trip). */
  public List<String> addresses(String subnetId) {
    return reads.children(StoreLayout.subnetAddresses(subnetId));
  }

  /** How many addresses a subnet holds (0 when it is gone). */
  public int count(String subnetId) {
    try {
      Stat stat = client.checkExists().forPath(StoreLayout.subnetAddresses(subnetId));
      return stat == null ? 0 : stat.getNumChildren();
    } catch (Exception e) {
      throw ZkErrors.translate(e, "counting the addresses of subnet " + subnetId);
    }
  }

  /**
   * Frees an address if the record holding it is still exactly r (a guest-tools record the sync
   * planned to release; an address released and taken again meanwhile is left alone). Whether it
   * was released.
   */
  public boolean releaseIf(NicRecord r) {
    String path = StoreLayout.subnetAddress(r.getSubnetId(), r.getAddress());
    Optional<ZkReads.Versioned> v = reads.read(path);
    if (v.isEmpty() || !ZkReads.parse(NicRecord.parser(), v.get().data(), path).equals(r)) {
      return false;
    }
    try {
      new ZkTxn()
          .delete(path, v.get().version())
          .commit(
              client,
              "releasing " + r.getAddress(),
              x ->
                  switch (x.code()) {
                    case NONODE, BADVERSION ->
                        SwitchplaneException.aborted("%s changed meanwhile", r.getAddress());
                    default -> null;
                  });
    } catch (SwitchplaneException e) {
      if (e.code() == ErrorCode.ABORTED) {
        return false;
      }
      throw e;
    }
    return true;
  }

  // ---- conflicts ----

  /** The conflicts of a subnet as last stored, with the znode's version (-1: none stored). */
  public Versioned<List<AddressConflict>> conflicts(String subnetId) {
    String path = StoreLayout.subnetConflicts(subnetId);
    return reads
        .read(path)
        .map(
            v ->
                new Versioned<List<AddressConflict>>(
                    List.copyOf(
                        ZkReads.parse(SubnetConflicts.parser(), v.data(), path).getConflictsList()),
                    v.version()))
        .orElse(new Versioned<>(List.of(), -1));
  }

  /** The subnet ids with stored conflicts (the sync forgets those of deleted subnets). */
  public List<String> conflictSubnets() {
    return reads.children(StoreLayout.IPAM_CONFLICTS);
  }

  /**
   * Replaces a subnet's conflicts read at before (empty: deletes them). One writer, the leader's
   * sync; a version mismatch (a former leader's late write) is ABORTED and the next sync writes
   * again.
   */
  public void setConflicts(
      String subnetId, Versioned<List<AddressConflict>> before, List<AddressConflict> after) {
    String path = StoreLayout.subnetConflicts(subnetId);
    byte[] data = SubnetConflicts.newBuilder().addAllConflicts(after).build().toByteArray();
    ZkTxn txn = new ZkTxn();
    if (before.version() < 0) {
      if (after.isEmpty()) {
        return;
      }
      txn.create(path, data);
    } else if (after.isEmpty()) {
      txn.delete(path, before.version());
    } else {
      txn.set(path, data, before.version());
    }
    txn.checkSize("the conflicts of subnet " + subnetId);
    txn.commit(
        client,
        "storing the conflicts of subnet " + subnetId,
        r ->
            switch (r.code()) {
              case NODEEXISTS, NONODE, BADVERSION ->
                  SwitchplaneException.aborted(
                      "the conflicts of subnet %s were written concurrently", subnetId);
              default -> null;
            });
  }

  /** Frees an address; the record that held it. NOT_FOUND when it is not taken. */
  public NicRecord release(String subnetId, String subnetName, String address) {
    String path = StoreLayout.subnetAddress(subnetId, address);
    ZkReads.Versioned v =
        reads
            .read(path)
            .orElseThrow(
                () ->
                    SwitchplaneException.notFound(
                        "%s is not taken in subnet '%s'", address, subnetName));
    NicRecord record = ZkReads.parse(NicRecord.parser(), v.data(), path);
    new ZkTxn()
        .delete(path, v.version())
        .commit(
            client,
            "releasing " + address,
            r ->
                r.code() == KeeperException.Code.NONODE
                    ? SwitchplaneException.notFound(
                        "%s is not taken in subnet '%s'", address, subnetName)
                    : null);
    return record;
  }
}
