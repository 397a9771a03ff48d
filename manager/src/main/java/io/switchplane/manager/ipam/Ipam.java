package io.switchplane.manager.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.AllocateAddressResponse;
import io.switchplane.api.v1.DetectedNetwork;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Subnet;
import io.switchplane.api.v1.SubnetUsage;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.ipam.GuestAddressPlan;
import io.switchplane.ipam.HostChoice;
import io.switchplane.ipam.Ip;
import io.switchplane.ipam.SubnetSpec;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.ipam.SubnetPools.Pool;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.IpamStore;
import io.switchplane.manager.store.IpamStore.NetworkChange;
import io.switchplane.manager.store.IpamStore.Versioned;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP subnets on L2 networks: what the IPAM API does, on any manager (leader or standby), since
 * every decision is a ZooKeeper transaction of {@link IpamStore} and not a push.
 *
 * <p>Allocation proposes an address from this manager's {@link AllocationCursor} and lets the
 * store's transaction decide; an address another caller took meanwhile is learned and the next one
 * tried. After a few such collisions the cursor re-reads what is taken (another manager is
 * allocating from the same place), and before answering RESOURCE_EXHAUSTED it re-reads once more
 * (another manager may have released addresses).
 */
public final class Ipam {
  private static final Logger LOG = LoggerFactory.getLogger(Ipam.class);

  /** Transactions one call may try before it answers ABORTED. */
  static final int MAX_ATTEMPTS = 64;

  /** Collisions (on this manager, since the last re-read) after which one caller re-reads. */
  static final int REFRESH_AFTER = 3;

  /** The most addresses one fix call records. */
  static final int MAX_FIX = 64;

  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  private final IpamStore store;
  private final ConfigService config;
  private final Clock clock;

  /** Per subnet: its checked addressing and this manager's cursor into it (shared with vmk). */
  private final SubnetPools pools;

  /**
   * How long a host choice is reused for a subnet: on a standby each choice reads the DVSes from
   * ZooKeeper (dozens of reads), and the choice is advice, so a second-old one serves.
   */
  static final long CHOICE_TTL_MS = 1_000;

  private record Choice(int revision, long madeUnixMs, Optional<HostChoice.Candidate> candidate) {}

  private final Map<String, Choice> choices = new ConcurrentHashMap<>();

  /** The VM NICs the followed vCenters report (empty on a manager that follows none). */
  private final Supplier<List<GuestAddressPlan.Observed>> guests;

  /** Told when subnets or their networks change, so that the NIC-record sync runs again. */
  private final Runnable changed;

  public Ipam(IpamStore store, ConfigService config, Clock clock) {
    this(store, config, clock, List::of, () -> {});
  }

  public Ipam(
      IpamStore store,
      ConfigService config,
      Clock clock,
      Supplier<List<GuestAddressPlan.Observed>> guests,
      Runnable changed) {
    this(store, new SubnetPools(store), config, clock, guests, changed);
  }

  /**
   * @param pools this manager's allocation state, shared with {@link VmkAddresses}
   */
  public Ipam(
      IpamStore store,
      SubnetPools pools,
      ConfigService config,
      Clock clock,
      Supplier<List<GuestAddressPlan.Observed>> guests,
      Runnable changed) {
    this.store = store;
    this.pools = pools;
    this.config = config;
    this.clock = clock;
    this.guests = guests;
    this.changed = changed;
  }

  /** A new subnet and the networks detected for it (see {@link #create}). */
  public record Created(Subnet subnet, List<DetectedNetwork> detected) {}

  // ---- subnets ----

  /**
   * Stores a new subnet; see IpamService.CreateSubnet for the refusals. Other networks whose VMs'
   * guests already report addresses the subnet may hand out (as the followed vCenters show them on
   * this manager) are added as additional networks, except one that reaches an overlapping subnet
   * already (logged and left out: the operator decides).
   */
  public Created create(Subnet requested) {
    SubnetSpec spec = SubnetSpec.of(requested);
    if (!requested.hasNetwork()) {
      throw invalid("subnet.network is required (the DVS and port group of its L2 network)");
    }
    L2Network home = resolve(requested.getNetwork(), "network");
    List<L2Network> extra = new ArrayList<>();
    for (L2Network n : requested.getAdditionalNetworksList()) {
      L2Network resolved = resolve(n, "additional network");
      if (resolved.equals(home) || extra.contains(resolved)) {
        throw invalid("network %s is listed twice", label(resolved));
      }
      extra.add(resolved);
    }
    List<L2Network> asked = new ArrayList<>(extra);
    asked.add(home);
    Subnet.Builder draft =
        spec.normalized().toBuilder()
            .setId(UUID.randomUUID().toString())
            .setNetwork(home)
            .clearAdditionalNetworks()
            .addAllAdditionalNetworks(extra)
            .setRevision(0)
            .setCreatedUnixMs(clock.millis());
    if (store.idByName(draft.getName()).isPresent()) {
      throw SwitchplaneException.alreadyExists("subnet '%s' exists already", draft.getName());
    }
    List<DetectedNetwork> detected = new ArrayList<>();
    GuestAddressPlan.detect(guests.get(), spec, asked)
        .forEach(
            (n, why) -> {
              Optional<Subnet> overlap = overlapping(draft.build(), n);
              if (overlap.isPresent()) {
                LOG.info(
                    "subnet {}: not adding {} (VM {} reports {}): it reaches subnet {} already",
                    draft.getName(),
                    label(n),
                    why.getKey().vmName(),
                    why.getValue(),
                    overlap.get().getName());
                return;
              }
              draft.addAdditionalNetworks(n);
              detected.add(
                  DetectedNetwork.newBuilder()
                      .setNetwork(n)
                      .setVmUuid(why.getKey().vmUuid())
                      .setVmName(why.getKey().vmName())
                      .setMac(why.getKey().mac())
                      .setAddress(why.getValue())
                      .build());
            });
    Subnet subnet = draft.build();
    retrying(
        () -> {
          List<NetworkChange> changes = new ArrayList<>();
          for (L2Network n : networks(subnet)) {
            changes.add(joining(subnet, n));
          }
          store.create(subnet, changes);
          return null;
        });
    LOG.info(
        "subnet {} ({}) created on {} by {}{}",
        subnet.getName(),
        subnet.getCidr(),
        label(home),
        Caller.current().principal(),
        detected.isEmpty() ? "" : "; " + detected.size() + " network(s) detected");
    changed.run();
    return new Created(
        store.subnet(subnet.getId()).map(Versioned::value).orElse(subnet), List.copyOf(detected));
  }

  /** A subnet reachable from n that overlaps subnet; empty when none does. */
  private Optional<Subnet> overlapping(Subnet subnet, L2Network n) {
    List<Subnet> others = new ArrayList<>();
    for (String id : store.reachable(n).value()) {
      if (!id.equals(subnet.getId())) {
        store.subnet(id).ifPresent(v -> others.add(v.value()));
      }
    }
    return SubnetSpec.overlapping(SubnetSpec.of(subnet).cidr(), others);
  }

  /**
   * The change that makes subnet reachable from n. FAILED_PRECONDITION naming the other subnet when
   * one reachable from n overlaps it.
   */
  private NetworkChange joining(Subnet subnet, L2Network n) {
    Versioned<List<String>> before = store.reachable(n);
    overlapping(subnet, n)
        .ifPresent(
            o -> {
              throw precondition(
                  "%s overlaps subnet '%s' (%s), which VMs on %s reach already; one network "
                      + "may reach only subnets that do not overlap",
                  subnet.getCidr(), o.getName(), o.getCidr(), label(n));
            });
    List<String> after = new ArrayList<>(before.value());
    if (!after.contains(subnet.getId())) {
      after.add(subnet.getId());
    }
    return new NetworkChange(n, before, after);
  }

  private NetworkChange leaving(Subnet subnet, L2Network n) {
    Versioned<List<String>> before = store.reachable(n);
    List<String> after = new ArrayList<>(before.value());
    after.remove(subnet.getId());
    return new NetworkChange(n, before, after);
  }

  public List<Subnet> list() {
    return store.subnets();
  }

  /** A subnet by id or name. NOT_FOUND when unknown. */
  public Subnet get(String ref) {
    return find(ref).value();
  }

  /** Used, free and allocatable addresses of a subnet. */
  public SubnetUsage usage(Subnet subnet) {
    SubnetSpec spec = pool(subnet).spec();
    List<String> taken = store.addresses(subnet.getId());
    long inPool = 0;
    for (String text : taken) {
      if (spec.pool().contains(Ip.parse(text, "stored address"))) {
        inPool++;
      }
    }
    BigInteger allocatable = spec.pool().size();
    return SubnetUsage.newBuilder()
        .setConflicts(store.conflicts(subnet.getId()).value().size())
        .setUsed(taken.size())
        .setFree(allocatable.subtract(BigInteger.valueOf(inPool)).toString())
        .setAllocatable(allocatable.toString())
        .build();
  }

  /** The conflicts the last NIC-record sync stored, of one subnet or all, by subnet and address. */
  public List<AddressConflict> conflicts(String ref) {
    List<Subnet> subnets = ref.isEmpty() ? store.subnets() : List.of(get(ref));
    List<AddressConflict> out = new ArrayList<>();
    for (Subnet s : subnets) {
      out.addAll(store.conflicts(s.getId()).value());
    }
    return out;
  }

  public void delete(String ref) {
    Subnet name = find(ref).value();
    retrying(
        () -> {
          Versioned<Subnet> s = find(ref);
          List<NetworkChange> changes = new ArrayList<>();
          for (L2Network n : networks(s.value())) {
            changes.add(leaving(s.value(), n));
          }
          store.delete(s.value(), s.version(), changes);
          return null;
        });
    pools.forget(name.getId());
    choices.remove(name.getId());
    LOG.info("subnet {} deleted by {}", name.getName(), Caller.current().principal());
  }

  /** Makes the subnet reachable from one more network. */
  public Subnet addNetwork(String ref, L2Network requested) {
    L2Network n = resolve(requested, "network");
    return retrying(
        () -> {
          Versioned<Subnet> s = find(ref);
          if (networks(s.value()).contains(n)) {
            throw SwitchplaneException.alreadyExists(
                "subnet '%s' is reachable from %s already", s.value().getName(), label(n));
          }
          Subnet updated = s.value().toBuilder().addAdditionalNetworks(n).build();
          store.update(updated, s.version(), List.of(joining(updated, n)));
          changed.run();
          return find(ref).value();
        });
  }

  /** The subnet without one of its additional networks, and how many records on it keep theirs. */
  public Map.Entry<Subnet, Integer> removeNetwork(String ref, L2Network requested) {
    L2Network n = resolve(requested, "network");
    Subnet after =
        retrying(
            () -> {
              Versioned<Subnet> s = find(ref);
              if (s.value().getNetwork().equals(n)) {
                throw precondition(
                    "%s is the default network of subnet '%s'; it cannot be removed",
                    label(n), s.value().getName());
              }
              List<L2Network> extra = new ArrayList<>(s.value().getAdditionalNetworksList());
              if (!extra.remove(n)) {
                throw notFound(
                    "%s is not an additional network of subnet '%s'",
                    label(n), s.value().getName());
              }
              Subnet updated =
                  s.value().toBuilder()
                      .clearAdditionalNetworks()
                      .addAllAdditionalNetworks(extra)
                      .build();
              store.update(updated, s.version(), List.of(leaving(updated, n)));
              return find(ref).value();
            });
    int kept =
        (int) store.records(after.getId()).stream().filter(r -> r.getNetwork().equals(n)).count();
    return Map.entry(after, kept);
  }

  // ---- addresses ----

  /** The next free address of a subnet, where to run its VM and how to configure its guest. */
  public AllocateAddressResponse allocate(String ref, String vmUuid, String mac) {
    String nicMac = mac(mac);
    Versioned<Subnet> s = find(ref);
    Pool pool = pool(s.value());
    Optional<HostChoice.Candidate> host = chooseHost(s.value());
    L2Network network =
        host.map(
                c -> L2Network.newBuilder().setDvs(c.dvsId()).setPortGroup(c.portGroupId()).build())
            .orElse(s.value().getNetwork());
    boolean refreshed = false;
    int collisions = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Optional<Ip> proposed = pool.cursor().propose();
      if (proposed.isEmpty()) {
        if (refreshed) {
          throw exhausted(s.value(), pool);
        }
        refresh(s.value(), pool);
        refreshed = true;
        continue;
      }
      Ip ip = proposed.get();
      NicRecord record =
          NicRecord.newBuilder()
              .setVmUuid(vmUuid)
              .setMac(nicMac)
              .setNetwork(network)
              .setSubnetId(s.value().getId())
              .setAddress(ip.toString())
              .setSource(AddressSource.ADDRESS_SOURCE_ALLOCATED)
              .setCreatedUnixMs(clock.millis())
              .setCreatedBy(Caller.current().principal())
              .build();
      Optional<String> takenBefore;
      try {
        takenBefore = store.take(List.of(record), Map.of(s.value().getId(), s.version()));
      } catch (SwitchplaneException e) {
        pool.cursor().abandoned(ip);
        if (e.code() != ErrorCode.ABORTED) {
          throw e;
        }
        s = find(ref); // its networks changed: the record's network must still be one of them
        continue;
      }
      if (takenBefore.isEmpty()) {
        pool.cursor().taken(ip);
        if (!vmUuid.isEmpty() && !nicMac.isEmpty()) {
          changed.run(); // a NIC's port carries the address
        }
        return answer(s.value(), pool.spec(), record, host);
      }
      collisions++;
      if (pool.cursor().collided(ip) == REFRESH_AFTER) {
        refresh(s.value(), pool);
      }
    }
    throw SwitchplaneException.aborted(
        "no address of subnet '%s' could be taken in %d attempts (%d taken by concurrent "
            + "callers first); retry",
        s.value().getName(), MAX_ATTEMPTS, collisions);
  }

  private void refresh(Subnet subnet, Pool pool) {
    pools.refresh(subnet, pool);
  }

  private static SwitchplaneException exhausted(Subnet subnet, Pool pool) {
    int pending = pool.cursor().pending();
    return SwitchplaneException.exhausted(
        "subnet '%s' (%s) has no free address: all %s addresses of its allocation ranges are "
            + "taken%s; release some ('switchplane ip release') or add a range",
        subnet.getName(),
        subnet.getCidr(),
        pool.spec().pool().size(),
        pending > 0 ? " or being taken by " + pending + " concurrent call(s)" : "");
  }

  private AllocateAddressResponse answer(
      Subnet subnet, SubnetSpec spec, NicRecord record, Optional<HostChoice.Candidate> host) {
    AllocateAddressResponse.Builder out =
        AllocateAddressResponse.newBuilder()
            .setRecord(record)
            .setNetwork(record.getNetwork())
            .setAddressWithPrefix(record.getAddress() + "/" + spec.cidr().prefix())
            .setPrefixLength(spec.cidr().prefix())
            .setGateway(subnet.getGateway())
            .addAllDnsServers(subnet.getDnsServersList());
    host.ifPresent(c -> out.setHost(c.hostName()).setHostId(c.hostId()));
    return out.build();
  }

  /** The host for a new VM of the subnet: see {@link HostChoice}; at most a second old. */
  private Optional<HostChoice.Candidate> chooseHost(Subnet subnet) {
    long now = clock.millis();
    Choice c = choices.get(subnet.getId());
    if (c == null
        || c.revision() != subnet.getRevision()
        || now - c.madeUnixMs() >= CHOICE_TTL_MS
        || now < c.madeUnixMs()) {
      c = new Choice(subnet.getRevision(), now, freshChoice(subnet));
      choices.put(subnet.getId(), c);
    }
    return c.candidate();
  }

  private Optional<HostChoice.Candidate> freshChoice(Subnet subnet) {
    List<HostChoice.Candidate> candidates = new ArrayList<>();
    Map<String, DvsConfig> configs = new LinkedHashMap<>();
    for (L2Network n : networks(subnet)) {
      DvsConfig dvs = configs.computeIfAbsent(n.getDvs(), id -> config.findConfig(id).orElse(null));
      if (dvs == null || !dvs.portGroups().containsKey(n.getPortGroup())) {
        continue; // a network deleted since: nothing carries it
      }
      for (HostMember m : dvs.dvs().getMembersList()) {
        String name = config.findHost(m.getHostId()).map(h -> h.getName()).orElse(m.getHostId());
        candidates.add(
            new HostChoice.Candidate(
                m.getHostId(),
                name,
                dvs.portsOnHost(m.getHostId()).size(),
                n.getDvs(),
                n.getPortGroup(),
                n.equals(subnet.getNetwork())));
      }
    }
    return HostChoice.choose(candidates);
  }

  /** Frees an address of a subnet; the record that held it. */
  public NicRecord release(String ref, String address) {
    Subnet subnet = get(ref);
    Ip ip = Ip.parse(address, "address");
    store
        .record(subnet.getId(), ip.toString())
        .filter(r -> !r.getVmkPortKey().isEmpty())
        .ifPresent(
            r -> {
              // The port carries the address; releasing it alone would leave it on the wire.
              throw precondition(
                      "%s is held by VMkernel port '%s'; delete the port or give it another "
                          + "address",
                      ip, r.getVmkPortKey())
                  .because(ErrorReason.VMK_ADDRESS_HELD_BY_PORT);
            });
    NicRecord record = store.release(subnet.getId(), subnet.getName(), ip.toString());
    Pool pool = pools.existing(subnet.getId());
    if (pool != null) {
      pool.cursor().released(ip);
    }
    changed.run();
    return record;
  }

  /**
   * Records addresses an operator set on a VM NIC, all or none. The NIC is found among the ports of
   * every DVS (a VM NIC connectee); each address must be in a subnet reachable from the NIC's port
   * group, and neither its gateway nor an address a host cannot hold.
   */
  public List<NicRecord> fix(String vmUuid, String mac, List<String> addresses) {
    if (vmUuid.isEmpty()) {
      throw invalid("vm_uuid is required");
    }
    if (addresses.isEmpty()) {
      throw invalid("addresses: give at least one address to record");
    }
    if (addresses.size() > MAX_FIX) {
      throw invalid("%d addresses, the limit is %d", addresses.size(), MAX_FIX);
    }
    String nicMac = mac(mac);
    Set<Ip> ips = new HashSet<>();
    List<Ip> ordered = new ArrayList<>();
    for (String text : addresses) {
      Ip ip = Ip.parse(text, "address");
      if (!ips.add(ip)) {
        throw invalid("address %s is listed twice", ip);
      }
      ordered.add(ip);
    }
    Port nic = nic(vmUuid, nicMac);
    L2Network network =
        L2Network.newBuilder().setDvs(nic.getDvsId()).setPortGroup(nic.getPortGroupId()).build();
    return retrying(
        () -> {
          List<Versioned<Subnet>> reachable = new ArrayList<>();
          for (String id : store.reachable(network).value()) {
            store.subnet(id).ifPresent(reachable::add);
          }
          List<NicRecord> records = new ArrayList<>();
          Map<String, Integer> versions = new LinkedHashMap<>();
          for (Ip ip : ordered) {
            Versioned<Subnet> s = holding(reachable, ip, network);
            versions.put(s.value().getId(), s.version());
            records.add(
                NicRecord.newBuilder()
                    .setVmUuid(vmUuid)
                    .setMac(nic.getConnectee().getVmNic().getMac())
                    .setNetwork(network)
                    .setSubnetId(s.value().getId())
                    .setAddress(ip.toString())
                    .setSource(AddressSource.ADDRESS_SOURCE_FIXED)
                    .setCreatedUnixMs(clock.millis())
                    .setCreatedBy(Caller.current().principal())
                    .build());
          }
          Optional<String> taken = store.take(records, versions);
          if (taken.isPresent()) {
            NicRecord wanted =
                records.stream()
                    .filter(r -> r.getAddress().equals(taken.get()))
                    .findFirst()
                    .orElseThrow();
            throw SwitchplaneException.alreadyExists(
                "%s is taken%s; nothing was recorded",
                taken.get(),
                store
                    .record(wanted.getSubnetId(), taken.get())
                    .map(Ipam::holder)
                    .orElse(" (it was released meanwhile: retry)"));
          }
          for (NicRecord r : records) {
            Pool pool = pools.existing(r.getSubnetId());
            if (pool != null) {
              pool.cursor().taken(Ip.parse(r.getAddress(), "address"));
            }
          }
          changed.run();
          return records;
        });
  }

  /** " by VM x (MAC m, fixed)": who holds an address, for a refusal. */
  private static String holder(NicRecord r) {
    String source =
        r.getSource().name().substring("ADDRESS_SOURCE_".length()).toLowerCase(Locale.ROOT);
    return " by "
        + (r.getVmUuid().isEmpty() ? "an allocation for no VM yet" : "VM " + r.getVmUuid())
        + " ("
        + (r.getMac().isEmpty() ? "" : "MAC " + r.getMac() + ", ")
        + source
        + ")";
  }

  private Versioned<Subnet> holding(List<Versioned<Subnet>> reachable, Ip ip, L2Network network) {
    List<String> names = new ArrayList<>();
    for (Versioned<Subnet> s : reachable) {
      SubnetSpec spec = pool(s.value()).spec();
      if (spec.cidr().contains(ip)) {
        if (!spec.assignable(ip)) {
          throw precondition(
              "%s is %s of subnet '%s' (%s); a NIC cannot hold it",
              ip,
              spec.gateway().map(ip::equals).orElse(false)
                  ? "the gateway"
                  : "the network's own address",
              s.value().getName(),
              s.value().getCidr());
        }
        return s;
      }
      names.add(s.value().getName() + " " + s.value().getCidr());
    }
    throw precondition(
        "%s is in no subnet reachable from %s (%s)",
        ip, label(network), names.isEmpty() ? "none is" : "reachable: " + String.join(", ", names));
  }

  /** The VM NIC port: NOT_FOUND for an unknown VM or MAC; FAILED_PRECONDITION when ambiguous. */
  private Port nic(String vmUuid, String mac) {
    List<Port> nics = new ArrayList<>();
    for (DvsConfig dvs : config.configs()) {
      for (Port p : dvs.ports().values()) {
        if (p.getConnectee().hasVmNic() && p.getConnectee().getVmNic().getVmUuid().equals(vmUuid)) {
          nics.add(p);
        }
      }
    }
    if (nics.isEmpty()) {
      throw notFound("VM '%s' has no NIC on any port of a Switchplane DVS", vmUuid);
    }
    List<String> macs =
        nics.stream()
            .map(p -> p.getConnectee().getVmNic().getMac().toLowerCase(Locale.ROOT))
            .toList();
    if (mac.isEmpty()) {
      if (nics.size() > 1) {
        throw precondition(
            "VM '%s' has %d NICs (%s); name one with its MAC",
            vmUuid, nics.size(), String.join(", ", macs));
      }
      return nics.get(0);
    }
    int i = macs.indexOf(mac);
    if (i < 0) {
      throw notFound(
          "VM '%s' has no NIC with MAC %s (its NICs: %s)", vmUuid, mac, String.join(", ", macs));
    }
    return nics.get(i);
  }

  /** NIC records of one subnet or all, of one VM or all, sorted by subnet and address. */
  public List<NicRecord> records(String subnetRef, String vmUuid) {
    List<Subnet> subnets = subnetRef.isEmpty() ? store.subnets() : List.of(get(subnetRef));
    List<NicRecord> out = new ArrayList<>();
    for (Subnet s : subnets) {
      List<NicRecord> records = new ArrayList<>(store.records(s.getId()));
      records.sort(
          (a, b) ->
              Ip.parse(a.getAddress(), "stored address")
                  .compareTo(Ip.parse(b.getAddress(), "stored address")));
      for (NicRecord r : records) {
        if (vmUuid.isEmpty() || r.getVmUuid().equals(vmUuid)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  // ---- helpers ----

  private Versioned<Subnet> find(String ref) {
    if (ref.isEmpty()) {
      throw invalid("subnet is required (its name or id)");
    }
    return store
        .subnet(ref)
        .or(() -> store.idByName(ref).flatMap(store::subnet))
        .orElseThrow(() -> notFound("subnet '%s' not found", ref));
  }

  private Pool pool(Subnet subnet) {
    return pools.pool(subnet);
  }

  private static List<L2Network> networks(Subnet s) {
    List<L2Network> out = new ArrayList<>();
    out.add(s.getNetwork());
    out.addAll(s.getAdditionalNetworksList());
    return out;
  }

  /** A network reference resolved to ids. NOT_FOUND naming what is unknown. */
  private L2Network resolve(L2Network ref, String what) {
    if (ref.getDvs().isEmpty() || ref.getPortGroup().isEmpty()) {
      throw invalid("%s: both the DVS and the port group are required", what);
    }
    DvsConfig dvs = config.config(ref.getDvs());
    PortGroup pg =
        dvs.findPortGroup(ref.getPortGroup())
            .orElseThrow(
                () ->
                    notFound(
                        "%s: DVS '%s' has no port group '%s'",
                        what, dvs.dvs().getName(), ref.getPortGroup()));
    return L2Network.newBuilder().setDvs(dvs.id()).setPortGroup(pg.getId()).build();
  }

  /** "port group 'web' of DVS 'dvs1'" (names when they are known, else ids). */
  private String label(L2Network n) {
    Optional<DvsConfig> dvs = config.findConfig(n.getDvs());
    String pg =
        dvs.map(d -> d.portGroups().get(n.getPortGroup()))
            .map(PortGroup::getName)
            .orElse(n.getPortGroup());
    return "port group '"
        + pg
        + "' of DVS '"
        + dvs.map(d -> d.dvs().getName()).orElse(n.getDvs())
        + "'";
  }

  private static String mac(String mac) {
    String m = mac.toLowerCase(Locale.ROOT);
    if (!m.isEmpty() && !MAC.matcher(m).matches()) {
      throw invalid("mac '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", mac);
    }
    return m;
  }

  /** Runs a read-check-write again on fresh data when its transaction lost a race (ABORTED). */
  private static <T> T retrying(Supplier<T> attempt) {
    SwitchplaneException last = null;
    for (int i = 0; i < 10; i++) {
      try {
        return attempt.get();
      } catch (SwitchplaneException e) {
        if (e.code() != ErrorCode.ABORTED) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }
}
