package io.switchplane.manager.owners;

import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.OwnedDvs;
import io.switchplane.manager.store.OwnerStore;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answer of ListManagers: the live managers and the DVSes each owns, from what this manager's
 * ZooKeeper caches show (any manager answers alike, up to the caches' lag).
 */
public final class ManagerList {
  private ManagerList() {}

  /**
   * Leadership per DVS: every live manager with the DVSes whose owner record names it; a DVS whose
   * record names no live manager is listed as unowned.
   *
   * @param dvsNames every DVS now, id to name
   */
  public static ListManagersResponse perDvs(
      DvsOwnership ownership, Map<String, String> dvsNames, String leaderId) {
    Map<String, ManagerEntry.Builder> entries = new TreeMap<>();
    ownership
        .liveManagers()
        .forEach(
            (id, endpoint) ->
                entries.put(
                    id,
                    ManagerEntry.newBuilder()
                        .setManagerId(id)
                        .setEndpoint(endpoint)
                        .setLeader(id.equals(leaderId))));
    ListManagersResponse.Builder out =
        ListManagersResponse.newBuilder().setPerDvs(true).setAnsweredBy(ownership.selfId());
    Map<String, OwnerStore.Owner> records = ownership.records();
    new TreeMap<>(dvsNames)
        .forEach(
            (dvsId, name) -> {
              OwnerStore.Owner record = records.getOrDefault(dvsId, OwnerStore.Owner.NONE);
              ManagerEntry.Builder owner = record.owned() ? entries.get(record.owner()) : null;
              if (owner == null) {
                out.addUnownedDvsIds(dvsId);
              } else {
                owner.addDvs(
                    OwnedDvs.newBuilder()
                        .setDvsId(dvsId)
                        .setDvsName(name)
                        .setEpoch(record.epoch()));
              }
            });
    entries.values().forEach(e -> out.addManagers(sorted(e)));
    return out.build();
  }

  /**
   * One leader for every DVS: this manager, and the leader (whose id is its endpoint unless set
   * otherwise) owning every DVS at epoch 0.
   */
  public static ListManagersResponse singleLeader(
      String selfId, String selfEndpoint, String leaderId, Map<String, String> dvsNames) {
    Map<String, ManagerEntry.Builder> entries = new TreeMap<>();
    entries.put(
        selfId,
        ManagerEntry.newBuilder()
            .setManagerId(selfId)
            .setEndpoint(selfEndpoint)
            .setLeader(selfId.equals(leaderId)));
    if (!leaderId.isEmpty()) {
      entries
          .computeIfAbsent(
              leaderId, id -> ManagerEntry.newBuilder().setManagerId(id).setEndpoint(id))
          .setLeader(true);
      ManagerEntry.Builder leader = entries.get(leaderId);
      new TreeMap<>(dvsNames)
          .forEach(
              (id, name) -> leader.addDvs(OwnedDvs.newBuilder().setDvsId(id).setDvsName(name)));
    }
    ListManagersResponse.Builder out =
        ListManagersResponse.newBuilder().setPerDvs(false).setAnsweredBy(selfId);
    if (leaderId.isEmpty()) {
      out.addAllUnownedDvsIds(new TreeMap<>(dvsNames).keySet());
    }
    entries.values().forEach(e -> out.addManagers(sorted(e)));
    return out.build();
  }

  private static ManagerEntry sorted(ManagerEntry.Builder e) {
    Collection<OwnedDvs> dvs =
        e.getDvsList().stream().sorted(Comparator.comparing(OwnedDvs::getDvsName)).toList();
    return e.clearDvs().addAllDvs(dvs).build();
  }
}
