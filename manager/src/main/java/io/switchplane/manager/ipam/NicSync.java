package io.switchplane.manager.ipam;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyDelete;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.Subnet;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.ipam.GuestAddressPlan;
import io.switchplane.ipam.Ip;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.IpamStore;
import io.switchplane.manager.store.IpamStore.Versioned;
import io.switchplane.rpc.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's NIC-record sync: makes the NIC records VMware Tools' addresses call for (see {@link
 * GuestAddressPlan} for the rules), stores the conflicts it finds (reported as events and counted
 * in {@code switchplane_ipam_conflicts_total}), and writes every VM NIC port's recorded addresses
 * into that port's {@value #ADDRESSES} property of {@link BuiltInNamespaces#IPAM}, so that agents
 * and snapshots see them. Called from the trackers' thread, one sync at a time.
 */
public final class NicSync {
  private static final Logger LOG = LoggerFactory.getLogger(NicSync.class);

  /** Property key on a VM NIC port: its recorded addresses, comma-separated, sorted. */
  public static final String ADDRESSES = "addresses";

  /** Records per take transaction (a record is ~150 bytes; well inside ZooKeeper's 1 MiB). */
  static final int TAKE_BATCH = 500;

  /** Conflicts kept per subnet; more are counted in the log only. */
  static final int MAX_CONFLICTS = 2_000;

  /** What one sync did. */
  public record Result(
      int taken, int released, int conflicts, int newConflicts, int portsChanged) {}

  private final IpamStore store;
  private final ConfigService config;
  private final EventLog events;
  private final io.prometheus.metrics.core.metrics.Counter conflictCounter;
  private final Clock clock;

  public NicSync(
      IpamStore store, ConfigService config, EventLog events, Metrics metrics, Clock clock) {
    this.store = store;
    this.config = config;
    this.events = events;
    this.conflictCounter =
        metrics.counter(
            "switchplane_ipam_conflicts_total",
            "address conflicts found by the NIC-record sync (new ones), by kind",
            "kind");
    conflictCounter.initLabelValues("two_macs");
    conflictCounter.initLabelValues("differs_from_fixed");
    this.clock = clock;
  }

  /**
   * One pass over what the followed vCenters report.
   *
   * @param complete whether nics covers every followed vCenter, fully synced (releases need it)
   */
  public synchronized Result sync(Collection<GuestAddressPlan.Observed> nics, boolean complete) {
    Map<String, Subnet> subnets = new HashMap<>();
    Map<String, Integer> versions = new HashMap<>();
    Map<String, List<NicRecord>> records = new HashMap<>();
    for (Subnet s : store.subnets()) {
      store
          .subnet(s.getId())
          .ifPresent(
              v -> {
                subnets.put(s.getId(), v.value());
                versions.put(s.getId(), v.version());
              });
      records.put(s.getId(), store.records(s.getId()));
    }
    Map<L2Network, List<String>> reachable = new HashMap<>();
    GuestAddressPlan.Plan plan =
        GuestAddressPlan.plan(
            nics,
            complete,
            subnets,
            n -> reachable.computeIfAbsent(n, k -> store.reachable(k).value()),
            records,
            clock.millis(),
            "nic-sync");
    int taken = 0;
    for (Map.Entry<String, List<NicRecord>> e : plan.take().entrySet()) {
      taken += take(e.getValue(), e.getKey(), versions.get(e.getKey()));
    }
    int released = 0;
    for (NicRecord r : plan.release()) {
      if (store.releaseIf(r)) {
        released++;
      }
    }
    int[] counts = storeConflicts(subnets, plan.conflicts());
    int ports = 0;
    if (taken > 0 || released > 0 || complete) {
      ports = portAddresses();
    }
    if (taken > 0 || released > 0 || counts[1] > 0) {
      LOG.info(
          "NIC-record sync: {} record(s) made, {} released, {} conflict(s) ({} new), {} port(s)"
              + " updated",
          taken,
          released,
          counts[0],
          counts[1],
          ports);
    }
    return new Result(taken, released, counts[0], counts[1], ports);
  }

  /**
   * Takes records of one subnet in batches. An address someone took since it was read is left out
   * (the next sync sees it as a conflict or as recorded); a subnet changed since is left to the
   * next sync.
   */
  private int take(List<NicRecord> all, String subnetId, Integer version) {
    int done = 0;
    for (int from = 0; from < all.size(); from += TAKE_BATCH) {
      List<NicRecord> batch =
          new ArrayList<>(all.subList(from, Math.min(all.size(), from + TAKE_BATCH)));
      while (!batch.isEmpty()) {
        java.util.Optional<String> collided;
        try {
          collided = store.take(batch, Map.of(subnetId, version));
        } catch (SwitchplaneException e) {
          if (e.code() == ErrorCode.ABORTED || e.code() == ErrorCode.NOT_FOUND) {
            LOG.debug("subnet {} changed during the NIC-record sync: {}", subnetId, e.getMessage());
            return done;
          }
          throw e;
        }
        if (collided.isEmpty()) {
          done += batch.size();
          break;
        }
        batch.removeIf(r -> r.getAddress().equals(collided.get()));
      }
    }
    return done;
  }

  /** Stores each subnet's conflicts when they changed; {all, new}. */
  private int[] storeConflicts(
      Map<String, Subnet> subnets, Map<String, List<AddressConflict>> found) {
    int all = 0;
    int fresh = 0;
    Set<String> ids = new TreeSet<>(found.keySet());
    ids.addAll(store.conflictSubnets());
    for (String id : ids) {
      List<AddressConflict> now =
          subnets.containsKey(id) ? found.getOrDefault(id, List.of()) : List.of();
      Versioned<List<AddressConflict>> before = store.conflicts(id);
      Map<String, AddressConflict> old = new HashMap<>();
      before.value().forEach(c -> old.put(key(c), c));
      List<AddressConflict> kept = new ArrayList<>();
      for (AddressConflict c : now) {
        AddressConflict was = old.get(key(c));
        if (was != null) {
          kept.add(c.toBuilder().setSinceUnixMs(was.getSinceUnixMs()).build());
          continue;
        }
        kept.add(c);
        fresh++;
        conflictCounter
            .labelValues(c.getKind().name().substring("KIND_".length()).toLowerCase(Locale.ROOT))
            .inc();
        events.record(
            EventKind.EVENT_KIND_IP_CONFLICT,
            subnets.get(id).getNetwork().getDvs(),
            "",
            "",
            0,
            c.getDetail(),
            "nic-sync");
        LOG.warn("address conflict: {}", c.getDetail());
      }
      all += kept.size();
      if (kept.size() > MAX_CONFLICTS) {
        LOG.warn("subnet {}: {} conflicts, the first {} kept", id, kept.size(), MAX_CONFLICTS);
        kept = kept.subList(0, MAX_CONFLICTS);
      }
      if (!kept.equals(before.value())) {
        try {
          store.setConflicts(id, before, kept);
        } catch (SwitchplaneException e) {
          if (e.code() != ErrorCode.ABORTED) {
            throw e;
          }
        }
      }
    }
    return new int[] {all, fresh};
  }

  /** A conflict's identity across syncs: what and who, not when. */
  private static String key(AddressConflict c) {
    StringBuilder b = new StringBuilder(c.getKind() + "/" + c.getAddress() + "/");
    b.append(c.getHolder().getVmUuid()).append('/').append(c.getHolder().getMac());
    c.getClaimantsList().forEach(r -> b.append('/').append(r.getMac()));
    return b.toString();
  }

  /**
   * Writes every VM NIC port's recorded addresses into its {@value #ADDRESSES} property (removed
   * when it has none), one change set per DVS that needs one. Returns the ports changed.
   */
  int portAddresses() {
    Map<String, Set<String>> byNic = new HashMap<>();
    for (Subnet s : store.subnets()) {
      for (NicRecord r : store.records(s.getId())) {
        if (!r.getVmUuid().isEmpty() && !r.getMac().isEmpty()) {
          byNic
              .computeIfAbsent(
                  r.getVmUuid() + "/" + r.getMac().toLowerCase(Locale.ROOT),
                  k -> new TreeSet<>(NicSync::byAddress))
              .add(r.getAddress());
        }
      }
    }
    int changed = 0;
    for (DvsConfig dvs : config.configs()) {
      List<ChangeOp> ops = new ArrayList<>();
      for (Port p : new TreeMap<>(dvs.ports()).values()) {
        if (!p.getConnectee().hasVmNic()) {
          continue;
        }
        String nic =
            p.getConnectee().getVmNic().getVmUuid()
                + "/"
                + p.getConnectee().getVmNic().getMac().toLowerCase(Locale.ROOT);
        Set<String> wanted = byNic.getOrDefault(nic, Set.of());
        String value = String.join(",", wanted);
        String current = current(p);
        if (value.equals(current)) {
          continue;
        }
        PropertyChange.Builder c =
            PropertyChange.newBuilder()
                .setEntity(
                    EntityRef.newBuilder().setKind(EntityKind.ENTITY_KIND_PORT).setId(p.getKey()))
                .setNamespace(BuiltInNamespaces.IPAM)
                .setKey(ADDRESSES);
        if (wanted.isEmpty()) {
          c.setDelete(PropertyDelete.getDefaultInstance());
        } else {
          c.setSetValue(ByteString.copyFrom(value, StandardCharsets.UTF_8));
        }
        ops.add(ChangeOp.newBuilder().setProperty(c).build());
      }
      if (ops.isEmpty()) {
        continue;
      }
      try {
        Caller.system("nic-sync")
            .supply(
                () ->
                    config.commit(
                        dvs.id(),
                        ops,
                        dvs.generation(),
                        "nic-sync: the recorded addresses of " + ops.size() + " VM NIC port(s)"));
        changed += ops.size();
      } catch (SwitchplaneException e) {
        // ABORTED: the DVS changed meanwhile; the next sync writes again.
        LOG.info(
            "NIC-record sync: port addresses of DVS {} not written: {}", dvs.id(), e.getMessage());
      }
    }
    return changed;
  }

  /** The port's own {@value #ADDRESSES} value ("" when it has none). */
  private static String current(Port p) {
    for (PropertyEntry e : p.getPropertiesList()) {
      if (e.getNamespace().equals(BuiltInNamespaces.IPAM)
          && e.getKey().equals(ADDRESSES)
          && e.hasValue()) {
        return e.getValue().toStringUtf8();
      }
    }
    return "";
  }

  private static int byAddress(String a, String b) {
    return Ip.parse(a, "stored address").compareTo(Ip.parse(b, "stored address"));
  }
}
