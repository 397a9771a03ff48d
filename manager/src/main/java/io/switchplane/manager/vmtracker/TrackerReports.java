package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.HostUplinks;
import io.switchplane.api.v1.ShowVmTrackerResponse;
import io.switchplane.api.v1.TrackerProblem;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterStatus;
import io.switchplane.api.v1.VmTrackerRow;
import io.switchplane.common.model.VmTrackerRows;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.vmtracker.TrackerView.HostNeed;
import io.switchplane.manager.vmtracker.TrackerView.NicRow;
import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.SyncStatus;
import io.switchplane.vcenter.VlanSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What {@code vcenter status} and {@code vmtracker show} print, built from the running trackers,
 * the stored configuration and the push engine's view of every host. A VLAN counts as provisioned
 * on a host when the stored uplink ports carry it and the host holds the content of the current
 * generation (whatever generation number it applied it at).
 */
public final class TrackerReports {
  private final VmTrackers trackers;
  private final ConfigService service;
  private final HostContent hostContent;

  /** What the push engine knows of a host's content. */
  @FunctionalInterface
  public interface HostContent {
    /**
     * Whether the host holds the content of that generation of the DVS (confirmed, or awaiting only
     * the confirm).
     */
    boolean holdsContentOf(String dvsId, String hostId, long generation);
  }

  public TrackerReports(VmTrackers trackers, ConfigService service, HostContent hostContent) {
    this.trackers = trackers;
    this.service = service;
    this.hostContent = hostContent;
  }

  /** Status of one vCenter, or of all when name is empty. */
  public List<VcenterStatus> status(String name) {
    List<VcenterStatus> out = new ArrayList<>();
    for (Vcenter vc : trackers.list()) {
      if (!name.isEmpty() && !vc.getName().equals(name)) {
        continue;
      }
      out.add(
          trackers
              .tracker(vc.getName())
              .map(this::status)
              .orElse(
                  VcenterStatus.newBuilder()
                      .setName(vc.getName())
                      .setState("NOT_RUNNING")
                      .setMessage(
                          service.ownsPerDvs()
                              ? "it runs on the manager that owns DVS '"
                                  + vc.getTracker().getDvs()
                                  + "' ('switchplane manager list'); ask that one"
                              : "this manager does not lead; ask the leader")
                      .build()));
    }
    if (!name.isEmpty() && out.isEmpty()) {
      trackers.tracker(name);
    }
    return out;
  }

  private VcenterStatus status(VmTracker t) {
    SyncStatus s = t.syncStatus();
    Inventory inv = t.inventory();
    TrackerView view = t.view();
    VmTracker.Provisioning p = t.provisioning();
    VcenterStatus.Builder b =
        VcenterStatus.newBuilder()
            .setName(t.config().vcenter())
            .setState(s.state().name())
            .setMessage(s.message())
            .setLastFullSyncMs(ms(s.lastFullSync()))
            .setLastUpdateMs(ms(s.lastUpdate()))
            .setVersion(s.version())
            .setLagMs(s.lag().toMillis())
            .setUpdates(s.updates())
            .setFullSyncs(s.fullSyncs())
            .setFailures(s.failures())
            .setNextRetryMs(ms(s.nextRetry()))
            .setHosts(inv.hosts().size())
            .setVms(inv.vms().size())
            .setVmsPoweredOn(
                (int)
                    inv.vms().values().stream()
                        .filter(v -> v.power() == Inventory.PowerState.POWERED_ON)
                        .count())
            .setProvisionedGeneration(p.generation())
            .setProvisionedMs(ms(p.at()))
            .setProvisionError(p.error());
    view.problems()
        .forEach(
            pr ->
                b.addProblems(
                    TrackerProblem.newBuilder()
                        .setKind(pr.kind().name())
                        .setObject(pr.object())
                        .setMessage(pr.message())));
    Optional<DvsConfig> dvs = dvs(t);
    b.setHostsOutOfSync((int) hosts(t, view, dvs).stream().filter(h -> !h.getInSync()).count());
    return b.build();
  }

  /**
   * The rows of `vmtracker show` (UNAVAILABLE on a follower), filtered by vCenter, host (either
   * side's name) and VM (name or uuid).
   */
  public ShowVmTrackerResponse show(String vcenter, String host, String vm) {
    if (service.ownsPerDvs()) {
      // Each tracker runs on its DVS's owner: elsewhere NOT_DVS_OWNER names that manager.
      if (!vcenter.isEmpty() && trackers.tracker(vcenter).isEmpty()) {
        trackers.list().stream()
            .filter(vc -> vc.getName().equals(vcenter))
            .findFirst()
            .ifPresent(vc -> service.requireOwned(vc.getTracker().getDvs()));
      }
    } else {
      // Only the leader runs trackers: a follower would answer with an empty table.
      service.checkLeader();
      if (!vcenter.isEmpty()) {
        trackers.tracker(vcenter);
      }
    }
    ShowVmTrackerResponse.Builder out = ShowVmTrackerResponse.newBuilder();
    for (VmTracker t : trackers.trackers()) {
      if (!vcenter.isEmpty() && !vcenter.equals(t.config().vcenter())) {
        continue;
      }
      TrackerView view = t.view();
      Optional<DvsConfig> dvs = dvs(t);
      for (HostUplinks h : hosts(t, view, dvs)) {
        if (host.isEmpty()
            || host.equals(h.getHost())
            || host.equals(vcenterHost(view, h.getHost()))) {
          out.addHosts(h);
        }
      }
      for (NicRow r : view.rows()) {
        if (!host.isEmpty() && !host.equals(r.vcenterHost()) && !host.equals(r.hostName())) {
          continue;
        }
        if (!vm.isEmpty() && !vm.equals(r.vm().name()) && !vm.equals(r.vm().instanceUuid())) {
          continue;
        }
        out.addRows(row(t, r, dvs));
      }
    }
    List<VmTrackerRow> rows = new ArrayList<>(out.getRowsList());
    rows.sort(VmTrackerRows.ORDER);
    return out.clearRows().addAllRows(rows).build();
  }

  private VmTrackerRow row(VmTracker t, NicRow r, Optional<DvsConfig> dvs) {
    boolean provisioned =
        !r.vlans().isEmpty()
            && !r.hostId().isEmpty()
            && provisioned(t, dvs, r.hostId()).map(v -> v.containsAll(r.vlans())).orElse(false);
    String note = r.note();
    if (note.isEmpty() && !provisioned) {
      note = "pending";
    }
    return VmTrackerRow.newBuilder()
        .setVcenter(t.config().vcenter())
        .setVm(r.vm().name())
        .setVmUuid(r.vm().instanceUuid())
        .setPowerState(r.vm().power().name())
        .setVcenterHost(r.vcenterHost())
        .setHost(r.hostName())
        .setNic(r.nic().label())
        .setMac(r.nic().mac())
        .setPort(r.nic().portKey())
        .setVcenterPortGroup(r.vcenterPortGroup())
        .setPortGroup(r.portGroup())
        .setVlans(r.vlans().toString())
        .setProvisioned(provisioned)
        .setNote(note)
        .build();
  }

  private List<HostUplinks> hosts(VmTracker t, TrackerView view, Optional<DvsConfig> dvs) {
    List<HostUplinks> out = new ArrayList<>();
    for (HostNeed n : view.hosts().values()) {
      Optional<VlanSet> carried = dvs.flatMap(d -> UplinkPorts.carried(t.config(), d, n.hostId()));
      boolean applied = dvs.isPresent() && applied(dvs.get(), n.hostId());
      out.add(
          HostUplinks.newBuilder()
              .setVcenter(t.config().vcenter())
              .setHost(n.hostName())
              .setNeededVlans(n.needed().toString())
              .setPinnedVlans(t.config().pinned().toString())
              .setProvisionedVlans(carried.map(VlanSet::toString).orElse("(no uplink ports)"))
              .setVmsPoweredOn(n.vmsOn())
              .setInSync(applied && carried.map(n.needed()::equals).orElse(false))
              .build());
    }
    out.sort(Comparator.comparing(HostUplinks::getHost));
    return out;
  }

  private Optional<VlanSet> provisioned(VmTracker t, Optional<DvsConfig> dvs, String hostId) {
    if (dvs.isEmpty() || !applied(dvs.get(), hostId)) {
      return Optional.empty();
    }
    return UplinkPorts.carried(t.config(), dvs.get(), hostId);
  }

  private boolean applied(DvsConfig dvs, String hostId) {
    return hostContent.holdsContentOf(dvs.id(), hostId, dvs.generation());
  }

  private static String vcenterHost(TrackerView view, String hostName) {
    return view.hosts().values().stream()
        .filter(n -> n.hostName().equals(hostName))
        .map(HostNeed::vcenterHost)
        .findFirst()
        .orElse("");
  }

  private Optional<DvsConfig> dvs(VmTracker t) {
    return service.findConfig(t.config().dvs());
  }

  private static long ms(Instant i) {
    return i == null || i.equals(Instant.EPOCH) ? 0 : i.toEpochMilli();
  }
}
