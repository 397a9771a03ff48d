package io.switchplane.cli.ops;

import io.switchplane.api.v1.ListManagersRequest;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.OwnedDvs;
import io.switchplane.cli.output.Table;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** `switchplane manager list`: the live managers and the DVSes each owns. */
@Command(
    name = "list",
    description =
        "List the live managers, their endpoints, whether each leads the cluster-wide duties, and"
            + " the DVSes each owns (leadership per DVS) or the leader owns (one leader).",
    mixinStandardHelpOptions = true)
public final class ManagerListCommand extends ManagerCommand {
  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    ListManagersResponse r = manager.listManagers(ListManagersRequest.getDefaultInstance());
    if (printedAsData(r)) {
      return 0;
    }
    Table t =
        new Table("MANAGER", "ENDPOINT", "LEADER", "OWNED", "DVS", "DVS IDS").wideOnly("DVS IDS");
    for (ManagerEntry m : r.getManagersList()) {
      t.row(
          m.getManagerId(),
          m.getEndpoint(),
          m.getLeader() ? "yes" : "",
          m.getDvsCount(),
          m.getDvsList().stream().map(OwnedDvs::getDvsName).collect(Collectors.joining(",")),
          m.getDvsList().stream()
              .map(d -> d.getDvsId() + "@" + d.getEpoch())
              .collect(Collectors.joining(",")));
    }
    System.out.println(
        (r.getPerDvs() ? "leadership per DVS" : "one leader for every DVS")
            + (r.getUnownedDvsIdsCount() == 0
                ? ""
                : "; without an owner now: " + String.join(",", r.getUnownedDvsIdsList())));
    print(t);
    return 0;
  }
}
