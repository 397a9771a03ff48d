package io.switchplane.cli.ops;

import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RecoverFromAgentsRequest;
import io.switchplane.api.v1.RecoverFromAgentsResponse;
import io.switchplane.api.v1.RecoveredDvs;
import io.switchplane.cli.output.Table;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane recover --from-agents ...`: rebuilds a lost store from the agents' snapshot copies.
 */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuild the manager's store from the"
          + " snapshot copies the agents keep, after the store was lost: for each DVS the newest copy whose checksum"
          + " verifies, with its hosts registered again. DVSes the store has are left alone."
    })
public final class RecoverCommand extends ManagerCommand {
  @Option(
      names = "--from-agents",
      required = true,
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Agents to ask first (comma-separated); the hosts their copies name are asked too.")
  List<String> seeds;

  @Option(names = "--dry-run", description = "Say what would be rebuilt; write nothing.")
  boolean dryRun;

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    RecoverFromAgentsResponse r =
        snapshots()
            .recoverFromAgents(
                RecoverFromAgentsRequest.newBuilder().addAllSeeds(seeds).setDryRun(dryRun).build());
    if (printedAsData(r)) {
      return 0;
    }
    Table t =
        new Table("DVS", "SNAPSHOT", "GENERATION", "HELD BY", "DISAGREEING", "REBUILT", "NOTE");
    for (RecoveredDvs d : r.getSwitchesList()) {
      t.row(
          d.getDvsName(),
          d.getChosen().getName(),
          d.getChosen().getGeneration(),
          String.join(",", d.getAgreeingHostsList()),
          String.join(",", d.getDisagreeingHostsList()),
          d.getRebuilt() ? "yes" : "no",
          d.getNote());
    }
    print(t);
    r.getUnreachableList().forEach(u -> System.out.println("not reached: " + u));
    return r.getUnreachableCount() == 0 ? 0 : io.switchplane.cli.ExitCode.UNAVAILABLE;
  }
}
