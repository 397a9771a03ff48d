package io.switchplane.manager.vmtracker;

import io.switchplane.vcenter.InventorySource;
import io.switchplane.vcenter.InventorySync;

/** The inventory sources of the product. */
public final class VcenterSources {
  private VcenterSources() {}

  /** Follows a real vCenter through yavijava, with the default backoff and resync settings. */
  public static InventorySource.Factory yavijava() {
    return InventorySync::new;
  }
}
