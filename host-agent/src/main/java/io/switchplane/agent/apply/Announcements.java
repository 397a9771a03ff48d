package io.switchplane.agent.apply;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.model.PortPlacement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination's half of a migration's switch-over: a port that this host held as a standby copy
 * ({@link PortPlacement#isStandby}) and now forwards has just arrived here, so its VM NIC's MAC is
 * announced ({@link SwitchBackend#announce}) and the fabric stops sending its frames to the source.
 * Best-effort, like vMotion's RARP: a failed announcement is logged and the apply stands (the VM's
 * own next frame teaches the fabric as well).
 *
 * <p>Sent once at the confirm and again {@link #REPEATS_MS} later, as QEMU's self-announce does.
 * One frame is not enough: a frame the VM sent from the source just before the switch-over can
 * reach a learning switch after the announcement and teach it the old place again, and then nothing
 * corrects it until the VM speaks first (a VM that only answers never does). Open vSwitch even
 * learns from a flow's statistics when its revalidator pushes them, up to 500 ms later: seen in
 * MigrationOvsIT, where the fabric pointed back at the source after the single RARP in about one
 * run of three and the VM stayed unreachable.
 */
final class Announcements {
  private static final Logger LOG = LoggerFactory.getLogger(Announcements.class);

  /**
   * When an arrival is announced again, in ms after the first announcement: every 50 ms for half a
   * second, where the stale learning was seen (QEMU's 50/200/450/800 ms left the VM unreachable for
   * up to 400 ms in MigrationOvsIT), then at QEMU's last two times, covering 800 ms.
   */
  static final List<Long> REPEATS_MS =
      List.of(50L, 100L, 150L, 200L, 250L, 300L, 350L, 400L, 450L, 500L, 650L, 800L);

  /**
   * Sends every announcement of this JVM, one at a time: with OVS each is an {@code ovs-ofctl}
   * process (~45 ms), which must hold up neither the confirm's answer nor the confirm deadlines'
   * timers. One daemon thread for all agents in the JVM (a bench runs thousands); idle unless a
   * migration arrives.
   */
  private static final class Sender {
    static final java.util.concurrent.ScheduledExecutorService THREAD =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "agent-announcer");
              t.setDaemon(true);
              return t;
            });
  }

  private Announcements() {}

  /** Runs announcement round (0: the first) after delayMs on the announcer thread. */
  static void schedule(Runnable round, long delayMs) {
    Sender.THREAD.schedule(round, delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * The keys of the VM NIC ports that were standby copies before changes and forward after them,
   * sorted. Such a port differs from its copy before, so only the changed ports are looked at.
   */
  static List<String> arrived(PortChanges changes) {
    List<String> out = new ArrayList<>();
    for (Port p : changes.changed()) {
      Port before = changes.before().get(p.getKey());
      if (before != null
          && PortPlacement.isStandby(before)
          && !PortPlacement.isStandby(p)
          && p.getConnectee().hasVmNic()) {
        out.add(p.getKey());
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * The ports to announce once next is confirmed: those that arrived with changes (next's ports
   * against the state before it), plus those of a superseded pending apply (earlier) that still
   * forward in next.
   */
  static List<String> pending(List<String> earlier, HostSwitchState next, PortChanges changes) {
    Set<String> out = new java.util.TreeSet<>(arrived(changes));
    if (!earlier.isEmpty()) {
      Set<String> active = new HashSet<>();
      for (Port p : next.getPortsList()) {
        if (!PortPlacement.isStandby(p)) {
          active.add(p.getKey());
        }
      }
      earlier.stream().filter(active::contains).forEach(out::add);
    }
    return List.copyOf(out);
  }

  /**
   * Announces those of keys that still forward VM NICs in state (the confirmed one for round 0,
   * what the switch holds for a repeat) from the backend; never throws.
   */
  static void announce(
      SwitchBackend backend,
      List<String> keys,
      HostSwitchState state,
      Map<String, EffectivePort> effective,
      int round) {
    String dvsId = state.getDvs().getId();
    Set<String> standby = new HashSet<>();
    for (Port p : state.getPortsList()) {
      if (PortPlacement.isStandby(p)) {
        standby.add(p.getKey());
      }
    }
    for (String key : keys) {
      EffectivePort port = effective.get(key);
      if (port == null
          || standby.contains(key)
          || !port.getConnectee().hasVmNic()
          || port.getPolicy().getBlocked()) {
        continue; // gone, back to standby, or blocked by its own policy: it sends nothing
      }
      try {
        backend.announce(dvsId, port);
        if (round == 0) {
          LOG.info(
              "DVS {}: port {} arrived by migration; announced MAC {}",
              dvsId,
              key,
              port.getConnectee().getVmNic().getMac());
        } else {
          LOG.debug("DVS {}: port {} announced again (repeat {})", dvsId, key, round);
        }
      } catch (BackendException | RuntimeException e) {
        LOG.warn("DVS {}: cannot announce port {} after its migration", dvsId, key, e);
      }
    }
  }
}
