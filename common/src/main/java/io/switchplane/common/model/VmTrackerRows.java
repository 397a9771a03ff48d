package io.switchplane.common.model;

import io.switchplane.api.v1.VmTrackerRow;
import java.util.Comparator;

/** How `vmtracker show` orders its rows, whether one manager answers or several are merged. */
public final class VmTrackerRows {
  /** Host by host, like a switch lists its interfaces; unmanaged hosts last. */
  public static final Comparator<VmTrackerRow> ORDER =
      Comparator.comparing((VmTrackerRow r) -> r.getHost().isEmpty())
          .thenComparing(VmTrackerRow::getHost)
          .thenComparing(VmTrackerRow::getVcenterHost)
          .thenComparing(VmTrackerRow::getVm)
          .thenComparing(VmTrackerRow::getNic);

  private VmTrackerRows() {}
}
