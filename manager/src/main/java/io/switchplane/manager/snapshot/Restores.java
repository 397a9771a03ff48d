package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.RestoreMode;
import io.switchplane.api.v1.RestoreSnapshotRequest;
import io.switchplane.api.v1.RestoreSnapshotResponse;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a snapshot through the normal path: the configuration {@link RestorePlanner} makes is
 * validated as a whole, then committed as one change set (or stored as one new DVS) and pushed with
 * confirm like any change, so a restore that cuts a host reverts there like any other.
 */
public final class Restores {
  private static final Logger LOG = LoggerFactory.getLogger(Restores.class);

  /** What the hosts say about a DVS id. */
  public interface HeldGenerations {
    /**
     * The newest generation of dvsId that any of hosts ever applied, a switch removed from the host
     * included (0: none could tell), and the names of the hosts that could not be asked.
     */
    Held newest(String dvsId, List<Host> hosts);

    /** What the hosts that answered hold, and who did not answer. */
    record Held(long newest, List<String> unanswered) {}
  }

  private final ConfigService config;
  private final SnapshotCatalog catalog;
  private final HeldGenerations held;
  private final ToLongFunction<String> retiredGeneration;
  private final RestorePlanner planner = new RestorePlanner(() -> UUID.randomUUID().toString());

  /**
   * @param held asks the agents which generations they hold
   * @param retiredGeneration the generation a deleted DVS of that id had at its deletion (0: none)
   */
  public Restores(
      ConfigService config,
      SnapshotCatalog catalog,
      HeldGenerations held,
      ToLongFunction<String> retiredGeneration) {
    this.config = config;
    this.catalog = catalog;
    this.held = held;
    this.retiredGeneration = retiredGeneration;
  }

  public RestoreSnapshotResponse restore(RestoreSnapshotRequest r) {
    SnapshotInfo info = catalog.find(r.getSnapshot(), r.getDvs());
    if (!r.getDryRun() && !config.ownsPerDvs()) {
      catalog.requireLeader();
    } else if (!r.getDryRun()) {
      // Onto an existing DVS: a write of that DVS, so its owner (leadership per DVS) does it; a
      // DVS that comes back new is created by the cluster leader.
      switch (r.getMode()) {
        case RESTORE_MODE_SAME_DVS -> config.requireOwned(info.getDvsId());
        case RESTORE_MODE_EXISTING_DVS -> {
          if (!r.getTarget().isEmpty()) {
            config.requireOwned(r.getTarget());
          }
        }
        default -> catalog.requireLeader();
      }
    }
    DvsConfig snapshot = SnapshotContents.toConfig(SnapshotCodec.open(catalog.get(info)));
    DvsConfig current =
        switch (r.getMode()) {
          case RESTORE_MODE_SAME_DVS -> config.config(info.getDvsId());
          case RESTORE_MODE_EXISTING_DVS -> {
            if (r.getTarget().isEmpty()) {
              throw SwitchplaneException.invalid(
                  "restoring onto an existing DVS needs target (--target DVS)");
            }
            yield config.config(r.getTarget());
          }
          case RESTORE_MODE_ORIGINAL_IDENTIFIERS -> {
            requireAbsent(snapshot);
            yield null;
          }
          default -> null;
        };
    DvsConfig target = planner.plan(snapshot, r.getMode(), current, r.getNewName());
    if (r.getMode() == RestoreMode.RESTORE_MODE_ORIGINAL_IDENTIFIERS && !r.getDryRun()) {
      target = RestorePlanner.continuing(snapshot, newestKnown(snapshot));
    }
    WholeConfigValidator.validate(target, catalog::host);
    DvsConfig before =
        current != null
            ? current
            : DvsConfig.of(target.dvs().toBuilder().clearMembers().build(), Map.of(), Map.of());
    RestoreSnapshotResponse.Builder out =
        RestoreSnapshotResponse.newBuilder()
            .setDvsId(target.id())
            .setDvsName(target.dvs().getName())
            .setDryRun(r.getDryRun())
            .addAllChanges(ConfigDiff.between(before, target, catalog::hostName))
            .addAllHosts(HostPlans.of(before, target, catalog::hostName));
    if (r.getDryRun()) {
      return out.build();
    }
    CommitOptions options = new CommitOptions(false, r.getConfirmTimeoutMs());
    String description =
        "restore of snapshot '" + info.getName() + "' (generation " + info.getGeneration() + ")";
    long generation =
        current != null
            ? config
                .replace(current.id(), target, current.generation(), description, options)
                .generation()
            : config.createRestored(target, options).generation();
    return out.setGeneration(generation).build();
  }

  /**
   * Rebuilds a DVS from a snapshot with its original identifiers, at a generation above every one
   * hosts hold.
   */
  public DvsConfig rebuild(DvsConfig snapshot, CommitOptions options) {
    requireAbsent(snapshot);
    DvsConfig target = RestorePlanner.continuing(snapshot, newestKnown(snapshot));
    WholeConfigValidator.validate(target, catalog::host);
    return config.createRestored(target, options);
  }

  /**
   * The newest generation of the snapshot's DVS id known anywhere: the snapshot's own, the one the
   * DVS had when it was deleted, and the newest its member hosts ever applied (a host keeps the
   * generation of a switch removed from it and refuses anything older). A DVS coming back with its
   * original id continues above it, so that every host takes it.
   */
  private long newestKnown(DvsConfig snapshot) {
    long retired = retiredGeneration.applyAsLong(snapshot.id());
    List<Host> hosts =
        snapshot.dvs().getMembersList().stream()
            .map(m -> catalog.host(m.getHostId()))
            .flatMap(Optional::stream)
            .toList();
    HeldGenerations.Held asked = held.newest(snapshot.id(), hosts);
    long onHosts = asked.newest();
    long newest = Math.max(snapshot.generation(), Math.max(retired, onHosts));
    if (retired == 0 && !asked.unanswered().isEmpty()) {
      // Without the deletion's record, a host that did not answer may hold more: it would refuse.
      LOG.warn(
          "DVS {} ({}): hosts {} could not tell which generations they hold; if one holds one above {}, it"
              + " refuses the restored DVS (see 'switchplane status')",
          snapshot.dvs().getName(),
          snapshot.id(),
          asked.unanswered(),
          newest);
    }
    if (newest > snapshot.generation()) {
      LOG.info(
          "DVS {} ({}) comes back above generation {} (snapshot {}, at its deletion {}, on its hosts {})",
          snapshot.dvs().getName(),
          snapshot.id(),
          newest,
          snapshot.generation(),
          retired,
          onHosts);
    }
    return newest;
  }

  /** Whether the store holds a DVS with this id. */
  boolean exists(String dvsId) {
    return config.listDvs().stream().anyMatch(d -> d.getId().equals(dvsId));
  }

  private void requireAbsent(DvsConfig snapshot) {
    if (exists(snapshot.id())) {
      throw SwitchplaneException.alreadyExists(
          "DVS %s ('%s') exists: restore onto it (same-dvs) or as a new DVS"
              + " with new identifiers",
          snapshot.id(), snapshot.dvs().getName());
    }
  }
}
