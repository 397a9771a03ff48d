package io.switchplane.vcenter;

/**
 * Where a tracker's inventory comes from: the vCenter sync in the product, a scripted source in
 * unit tests. Started once, closed once; {@link #inventory()} is the latest whole view.
 */
public interface InventorySource extends AutoCloseable {
  void start();

  SyncStatus status();

  Inventory inventory();

  @Override
  void close();

  /** Opens a source for one vCenter; does no I/O until {@link InventorySource#start()}. */
  @FunctionalInterface
  interface Factory {
    InventorySource open(String name, VcenterEndpoint endpoint, InventoryListener listener);
  }
}
