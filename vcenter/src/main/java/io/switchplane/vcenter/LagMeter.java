package io.switchplane.vcenter;

import com.vmware.vim25.ArrayOfEvent;
import com.vmware.vim25.Event;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectUpdate;
import com.vmware.vim25.PropertyChange;
import com.vmware.vim25.PropertyFilterUpdate;
import com.vmware.vim25.UpdateSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Measures the lag from a change in vCenter to the tracker's view having it, from vCenter's own
 * record of when the change happened: the {@code createdTime} of the event vCenter logs with it
 * (VmPoweredOffEvent, VmReconfiguredEvent, ...), followed through the event collector's {@code
 * latestPage} in the same property filter as the inventory. An event marks its entity (VM, host,
 * port group, switch) as changed at createdTime; when the applier next reports that entity changed,
 * lag = now − (createdTime − clock offset), the offset (vCenter minus local clock) being measured
 * at login. Changes that vCenter logs no event for (the govmomi simulator logs none for a relocate
 * or a port group change) give no measurement; events whose change never shows (a reconfigure of a
 * property not followed) are forgotten after {@link #FORGET}.
 */
final class LagMeter {
  static final Duration FORGET = Duration.ofSeconds(60);

  private final Map<String, Instant> pending = new HashMap<>();

  /** When each entity's last change was applied (kept for {@link #FORGET}). */
  private final Map<String, Instant> applied = new HashMap<>();

  private int lastKey = Integer.MIN_VALUE;
  private Duration offset = Duration.ZERO;

  /** A new session: new clock offset, and the first page seen is history, not news. */
  void reset(Duration clockOffset) {
    offset = clockOffset;
    pending.clear();
    applied.clear();
    lastKey = Integer.MIN_VALUE;
  }

  /**
   * Takes the events of a {@code latestPage} value that were not seen before.
   *
   * @return the largest lag of the changes that were applied before their event arrived, or null
   */
  Duration events(Object latestPage) {
    Event[] events =
        latestPage instanceof ArrayOfEvent a
            ? a.getEvent()
            : latestPage instanceof Event[] e ? e : null;
    if (events == null) {
      return null;
    }
    Duration lag = null;
    boolean history = lastKey == Integer.MIN_VALUE;
    int max = lastKey;
    for (Event e : events) {
      if (e == null) {
        continue;
      }
      max = Math.max(max, e.getKey());
      if (history || e.getKey() <= lastKey || e.getCreatedTime() == null) {
        continue;
      }
      String entity = entity(e);
      if (!entity.isEmpty()) {
        Instant local = e.getCreatedTime().toInstant().minus(offset);
        Instant seen = applied.get(entity);
        if (seen != null && !seen.isBefore(local)) {
          // The change came in before its event: measured now, against that change.
          applied.remove(entity);
          Duration d = Duration.between(local, seen);
          lag = lag == null || d.compareTo(lag) > 0 ? d : lag;
        } else {
          pending.merge(entity, local, (a, b) -> a.isBefore(b) ? a : b);
        }
      }
    }
    // An empty first page still ends the history: the next event is news.
    lastKey = history && max == Integer.MIN_VALUE ? Integer.MIN_VALUE + 1 : max;
    return lag;
  }

  /**
   * The objects a batch changed, applied at {@code now}.
   *
   * @return the largest lag among them that an event dates, or null when none does
   */
  Duration changed(Set<String> ids, Instant now) {
    Duration lag = null;
    for (String id : ids) {
      Instant at = pending.remove(id);
      if (at == null) {
        applied.put(id, now);
      } else {
        Duration d = Duration.between(at, now);
        if (d.isNegative()) {
          d = Duration.ZERO;
        }
        lag = lag == null || d.compareTo(lag) > 0 ? d : lag;
      }
    }
    forgetBefore(pending, now.minus(FORGET));
    forgetBefore(applied, now.minus(FORGET));
    return lag;
  }

  private static void forgetBefore(Map<String, Instant> times, Instant limit) {
    for (Iterator<Instant> it = times.values().iterator(); it.hasNext(); ) {
      if (it.next().isBefore(limit)) {
        it.remove();
      }
    }
  }

  private static String entity(Event e) {
    if (e.getVm() != null) {
      return val(e.getVm().getVm());
    }
    if (e.getNet() != null) {
      return val(e.getNet().getNetwork());
    }
    if (e.getHost() != null) {
      return val(e.getHost().getHost());
    }
    if (e.getDvs() != null) {
      return val(e.getDvs().getDvs());
    }
    return "";
  }

  private static String val(ManagedObjectReference m) {
    return m == null || m.getVal() == null ? "" : m.getVal();
  }

  /**
   * Adds the inventory updates of a set to {@code into} and takes the event collector's itself.
   *
   * @return the lag of changes that came in before their event, or null
   */
  Duration split(UpdateSet set, List<ObjectUpdate> into) {
    Duration measured = null;
    if (set == null || set.getFilterSet() == null) {
      return null;
    }
    for (PropertyFilterUpdate fu : set.getFilterSet()) {
      if (fu.getObjectSet() == null) {
        continue;
      }
      for (ObjectUpdate ou : fu.getObjectSet()) {
        if (ou.getObj() != null && InventoryFilter.EVENT_COLLECTOR.equals(ou.getObj().getType())) {
          if (ou.getChangeSet() != null) {
            for (PropertyChange c : ou.getChangeSet()) {
              Duration d = "latestPage".equals(c.getName()) ? events(c.getVal()) : null;
              if (d != null && (measured == null || d.compareTo(measured) > 0)) {
                measured = d;
              }
            }
          }
        } else {
          into.add(ou);
        }
      }
    }
    return measured;
  }
}
