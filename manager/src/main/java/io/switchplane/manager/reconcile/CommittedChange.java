package io.switchplane.manager.reconcile;

import io.switchplane.manager.model.DvsConfig;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A committed change of one DVS as its listeners hear of it: the configuration before (null when
 * the DVS was just created), after, and the hosts it affects. The affected hosts are computed once,
 * where the change is committed ({@link #of}), and travel with it: the store side logs and records
 * them, the push engine pushes to them.
 */
public record CommittedChange(DvsConfig before, DvsConfig after, AffectedHosts.Result affected) {
  public CommittedChange {
    Objects.requireNonNull(after, "after");
    Objects.requireNonNull(affected, "affected");
  }

  /** The change from before to after, with its affected hosts ({@link AffectedHosts#compute}). */
  public static CommittedChange of(DvsConfig before, DvsConfig after) {
    return new CommittedChange(before, after, AffectedHosts.compute(before, after));
  }

  /** Every host the change touches: the changed members, then the hosts that left. */
  public Set<String> hosts() {
    Set<String> out = new LinkedHashSet<>(affected.changed());
    out.addAll(affected.left());
    return out;
  }
}
