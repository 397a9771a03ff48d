package io.switchplane.manager.vmtracker;

import io.switchplane.manager.vcenter.InventorySource;

import io.switchplane.manager.vcenter.Inventory;
import io.switchplane.manager.vcenter.SyncStatus;
import java.time.Duration;
import java.time.Instant;

/** The inventory sources of the product. */
public final class VcenterSources {
  private VcenterSources() {}

  /** Follows a real vCenter through yavijava. */
  public static InventorySource.Factory yavijava() {
    return (name, endpoint, listener) -> new InventorySource() {
      @Override
      public void start() {}

      @Override
      public SyncStatus status() {
        return new SyncStatus(SyncStatus.State.STOPPED, "vCenter sync is not built yet", Instant.EPOCH, Instant.EPOCH,
            "", Duration.ZERO, 0, 0, 0, Instant.EPOCH);
      }

      @Override
      public Inventory inventory() {
        return Inventory.EMPTY;
      }

      @Override
      public void close() {}
    };
  }
}
