package io.switchplane.vcenter;

/**
 * Told of every new view of a vCenter's inventory, on the sync's own thread; must not block long.
 */
@FunctionalInterface
public interface InventoryListener {
  void changed(Inventory inventory);
}
