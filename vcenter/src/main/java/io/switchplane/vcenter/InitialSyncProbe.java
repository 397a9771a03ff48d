package io.switchplane.vcenter;

import java.time.Duration;

/**
 * Measures one initial full sync of a vCenter, for a bench: from {@link InventorySync#start()}
 * (login, container view, filters, the full WaitForUpdatesEx and the Inventory built from it) to
 * the first Inventory handed to the listener. The target is 1,000 VMs on 50 hosts in 5 s.
 */
public final class InitialSyncProbe {
  /**
   * What one run saw.
   *
   * @param elapsed from start() to the first full inventory
   */
  public record Result(Duration elapsed, int hosts, int vms, int nics, int networks) {
    @Override
    public String toString() {
      return "initial sync of "
          + vms
          + " VMs ("
          + nics
          + " NICs) on "
          + hosts
          + " hosts, "
          + networks
          + " networks: "
          + elapsed.toMillis()
          + " ms";
    }
  }

  private InitialSyncProbe() {}

  /**
   * Runs one initial sync and closes the sync.
   *
   * @throws IllegalStateException when the first sync did not finish in time (with the sync's last
   *     status message)
   */
  public static Result run(VcenterEndpoint endpoint, Duration atMost) throws InterruptedException {
    long t0 = System.nanoTime();
    try (InventorySync sync = new InventorySync("probe", endpoint, inv -> {})) {
      sync.start();
      if (!sync.awaitFirstSync(atMost)) {
        throw new IllegalStateException(
            "no full sync of "
                + endpoint.url()
                + " within "
                + atMost.toMillis()
                + " ms: "
                + sync.status().state()
                + " "
                + sync.status().message());
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
      Inventory inv = sync.inventory();
      int nics = inv.vms().values().stream().mapToInt(vm -> vm.nics().size()).sum();
      return new Result(elapsed, inv.hosts().size(), inv.vms().size(), nics, inv.networks().size());
    }
  }
}
