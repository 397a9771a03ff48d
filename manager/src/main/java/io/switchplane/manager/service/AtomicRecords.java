package io.switchplane.manager.service;

import io.switchplane.api.v1.AtomicTxnRecord;
import io.switchplane.api.v1.AtomicTxnState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.changeset.EntityWrite;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The decision record of an atomic change set and the plan that undoes it: the record holds the
 * before-image of every entity the change set wrote, so that an abort (by this leader or by the
 * next one) restores the previous configuration as one new generation without having to keep old
 * generations anywhere else.
 */
final class AtomicRecords {
  private AtomicRecords() {}

  static AtomicTxnRecord prepared(Plan plan, Collection<String> hostIds, long nowMs) {
    DvsConfig before = plan.before();
    AtomicTxnRecord.Builder r =
        AtomicTxnRecord.newBuilder()
            .setGeneration(plan.after().generation())
            .setState(AtomicTxnState.ATOMIC_TXN_STATE_PREPARED)
            .addAllHostIds(hostIds)
            .setPreparedUnixMs(nowMs)
            .setBeforeDvs(before.dvs());
    for (EntityWrite w : plan.writes()) {
      if (w instanceof EntityWrite.PutPortGroup p) {
        if (p.created()) {
          r.addCreatedPortGroupIds(p.portGroup().getId());
        } else {
          r.addBeforePortGroups(before.portGroups().get(p.portGroup().getId()));
        }
      } else if (w instanceof EntityWrite.DeletePortGroup d) {
        r.addBeforePortGroups(before.portGroups().get(d.portGroupId()));
      } else if (w instanceof EntityWrite.PutPort p) {
        if (p.created()) {
          r.addCreatedPortKeys(p.port().getKey());
        } else {
          r.addBeforePorts(before.ports().get(p.port().getKey()));
        }
      } else if (w instanceof EntityWrite.DeletePort d) {
        r.addBeforePorts(before.ports().get(d.key()));
      }
    }
    return r.build();
  }

  /**
   * The plan taking current (at the record's generation) back to the content before it, one
   * generation up.
   */
  static Plan abortPlan(DvsConfig current, AtomicTxnRecord record) {
    DvsConfig.Builder b = current.toBuilder();
    List<EntityWrite> writes = new ArrayList<>();
    for (String id : record.getCreatedPortGroupIdsList()) {
      b.portGroups().remove(id);
    }
    for (String key : record.getCreatedPortKeysList()) {
      b.ports().remove(key);
      writes.add(new EntityWrite.DeletePort(key));
    }
    for (PortGroup pg : record.getBeforePortGroupsList()) {
      writes.add(new EntityWrite.PutPortGroup(pg, !current.portGroups().containsKey(pg.getId())));
      b.portGroups().put(pg.getId(), pg);
    }
    for (String id : record.getCreatedPortGroupIdsList()) {
      writes.add(new EntityWrite.DeletePortGroup(id)); // after the ports that used it are gone
    }
    for (Port p : record.getBeforePortsList()) {
      writes.add(new EntityWrite.PutPort(p, !current.ports().containsKey(p.getKey())));
      b.ports().put(p.getKey(), p);
    }
    b.dvs(record.getBeforeDvs().toBuilder().setGeneration(current.generation() + 1).build());
    return new Plan(current, b.build(), writes, List.of(), List.of());
  }

  static AtomicTxnRecord decided(
      AtomicTxnRecord prepared, AtomicTxnState state, long restoredGeneration, String detail) {
    // The before-images are no longer needed once decided: keep the record small.
    return AtomicTxnRecord.newBuilder()
        .setGeneration(prepared.getGeneration())
        .setState(state)
        .addAllHostIds(prepared.getHostIdsList())
        .setPreparedUnixMs(prepared.getPreparedUnixMs())
        .setRestoredGeneration(restoredGeneration)
        .setDetail(detail)
        .build();
  }
}
