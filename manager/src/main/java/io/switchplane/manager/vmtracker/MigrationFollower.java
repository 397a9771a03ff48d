package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationOutcome;
import io.switchplane.api.v1.Port;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.migration.Migrations;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.vmtracker.TrackerView.NicRow;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When vCenter migrated a VM (vMotion), Switchplane makes the same move: a VM whose ports are on
 * another member host than the one vCenter runs it on is migrated with {@link Migrations} (the
 * two-host transaction; the ports keep their identity). Level-triggered: it compares where vCenter
 * says the VM runs with where its ports are, so a move that failed is tried again at the tracker's
 * next reconcile, and a manager that took over finishes what its predecessor saw.
 */
final class MigrationFollower {
  private static final Logger LOG = LoggerFactory.getLogger(MigrationFollower.class);

  private MigrationFollower() {}

  /**
   * The moves that make the ports follow vCenter: VM instance UUID → the member host vCenter runs
   * it on, for VMs whose ports (not being moved already) are all on one other host.
   */
  static Map<String, String> moves(TrackerView view, DvsConfig dvs) {
    Map<String, String> runsOn = new TreeMap<>();
    for (NicRow row : view.rows()) {
      if (!row.hostId().isEmpty()
          && !row.vm().instanceUuid().isEmpty()
          && dvs.member(row.hostId()).isPresent()) {
        runsOn.put(row.vm().instanceUuid(), row.hostId());
      }
    }
    Map<String, String> hostsOfPorts = new TreeMap<>();
    for (Port p : dvs.ports().values()) {
      if (!p.getConnectee().hasVmNic()) {
        continue;
      }
      String vm = p.getConnectee().getVmNic().getVmUuid();
      if (!runsOn.containsKey(vm)) {
        continue;
      }
      String host = p.hasMigration() || p.getHostId().isEmpty() ? "?" : p.getHostId();
      hostsOfPorts.merge(vm, host, (a, b) -> a.equals(b) ? a : "?");
    }
    Map<String, String> out = new TreeMap<>();
    hostsOfPorts.forEach(
        (vm, host) -> {
          String target = runsOn.get(vm);
          if (!host.equals("?") && !host.equals(target)) {
            out.put(vm, target);
          }
        });
    return out;
  }

  /** Makes the moves; a failed one is logged and tried again at the next reconcile. */
  static void follow(Migrations migrations, String vcenter, Map<String, String> moves) {
    moves.forEach(
        (vm, host) -> {
          try {
            MigrateResponse r =
                migrations.follow(vm, host, "vmtracker " + vcenter + ": vCenter moved VM " + vm);
            if (r.getOutcome() == MigrationOutcome.MIGRATION_OUTCOME_ABORTED) {
              LOG.warn(
                  "VM tracker of {}: moving VM {}'s ports after vCenter was aborted ({})",
                  vcenter,
                  vm,
                  r.getDetail());
            } else {
              LOG.info(
                  "VM tracker of {}: VM {}'s ports follow vCenter's move ({} us switch-over)",
                  vcenter,
                  vm,
                  r.getSwitchOverMicros());
            }
          } catch (SwitchplaneException e) {
            LOG.warn(
                "VM tracker of {}: cannot move VM {}'s ports after vCenter ({})",
                vcenter,
                vm,
                e.getMessage());
          }
        });
  }
}
