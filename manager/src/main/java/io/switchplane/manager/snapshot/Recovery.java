package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.RecoverFromAgentsRequest;
import io.switchplane.api.v1.RecoverFromAgentsResponse;
import io.switchplane.api.v1.RecoveredDvs;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.SnapshotStore;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a lost store from the agents' snapshot copies: for each DVS the newest copy that
 * verifies (the collector says which hosts agreed), its hosts registered again under their ids, the
 * DVS stored with its original identifiers at a generation above every one its hosts hold, and the
 * snapshot itself stored again. A DVS that exists is left alone.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  /** Where the copies come from (the agents, over gRPC). */
  public interface AgentCopies {
    /** What was found for one DVS. */
    record Found(DvsSnapshot chosen, List<String> agreeing, List<String> disagreeing) {}

    /** Everything found, and the agents that could not be asked. */
    record Collected(List<Found> switches, List<String> unreachable) {}

    Collected collect(List<String> seeds);
  }

  private final ConfigService config;
  private final Restores restores;
  private final SnapshotStore store;
  private final AgentCopies copies;

  public Recovery(
      ConfigService config, Restores restores, SnapshotStore store, AgentCopies copies) {
    this.config = config;
    this.restores = restores;
    this.store = store;
    this.copies = copies;
  }

  public RecoverFromAgentsResponse recover(RecoverFromAgentsRequest r) {
    if (r.getSeedsCount() == 0) {
      throw SwitchplaneException.invalid(
          "give at least one agent endpoint (host:port) to start from");
    }
    if (!config.isLeader()) {
      throw SwitchplaneException.unavailable(
          "this manager is not the leader: run recovery against the leader");
    }
    AgentCopies.Collected collected = copies.collect(r.getSeedsList());
    RecoverFromAgentsResponse.Builder out =
        RecoverFromAgentsResponse.newBuilder().addAllUnreachable(collected.unreachable());
    for (AgentCopies.Found found : collected.switches()) {
      SnapshotContent content = SnapshotCodec.open(found.chosen());
      DvsConfig snapshot = SnapshotContents.toConfig(content);
      RecoveredDvs.Builder result =
          RecoveredDvs.newBuilder()
              .setDvsId(snapshot.id())
              .setDvsName(snapshot.dvs().getName())
              .setChosen(found.chosen().getInfo())
              .addAllAgreeingHosts(found.agreeing())
              .addAllDisagreeingHosts(found.disagreeing());
      if (restores.exists(snapshot.id())) {
        out.addSwitches(result.setNote("the DVS exists in the store: left alone"));
        continue;
      }
      if (r.getDryRun()) {
        out.addSwitches(result.setNote("dry run: nothing written"));
        continue;
      }
      content.getHostsList().forEach(config::restoreHost);
      DvsConfig rebuilt = restores.rebuild(snapshot, CommitOptions.DEFAULT);
      if (store.info(snapshot.id(), found.chosen().getInfo().getId()).isEmpty()) {
        store.put(
            Checkpoints.renamed(
                found.chosen(), store.freeName(snapshot.id(), found.chosen().getInfo().getName())));
      }
      LOG.info(
          "recovered DVS {} ({}) from snapshot {} of generation {} held by {}; now at generation {}",
          snapshot.dvs().getName(),
          snapshot.id(),
          found.chosen().getInfo().getName(),
          snapshot.generation(),
          found.agreeing(),
          rebuilt.generation());
      out.addSwitches(result.setRebuilt(true));
    }
    return out.build();
  }
}
