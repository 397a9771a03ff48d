package io.switchplane.cli.ops;

import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetPushStatusResponse;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListManagersRequest;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.OwnedDvs;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.OutputFormat;
import io.switchplane.cli.output.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane status`: where each member host stands with the desired state. */
@Command(
    name = "status",
    description = "Show the push status of every member host.",
    mixinStandardHelpOptions = true)
public final class StatusCommand extends ManagerCommand {
  @Parameters(paramLabel = "DVS", arity = "0..1", description = "Only this DVS (name or id).")
  String dvs = "";

  @Option(
      names = {"-w", "--watch"},
      description = "Print again every second while anything changes; Ctrl-C stops.")
  boolean watch;

  @Option(
      names = "--until-in-sync",
      description = {
        "With --watch: exit 0 once every host is in sync, 8 when one is not by "
            + "--timeout (the hosts not in sync and why on stderr)."
      })
  boolean untilInSync;

  /** The managers and what each owns, as last fetched. */
  private ListManagersResponse owners;

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    String[] last = {null};
    java.util.function.Consumer<GetPushStatusResponse> print =
        r -> {
          String text = data() ? render(r) : text(r);
          if (!text.equals(last[0])) {
            System.out.println(text);
            last[0] = text;
          }
        };
    if (!watch) {
      print.accept(fetch(manager));
      return 0;
    }
    if (untilInSync) {
      // Every owner's DVSes (leadership per DVS), as the plain status shows them.
      return SyncWait.await(() -> fetch(manager), timeoutMillis(), 1_000, print);
    }
    return watchOn(manager, print);
  }

  /** A plain watch: no host state ends it, Ctrl-C does. */
  private int watchOn(
      ManagerServiceBlockingStub manager,
      java.util.function.Consumer<GetPushStatusResponse> print) {
    while (!Thread.interrupted()) {
      print.accept(fetch(manager));
      // A display refresh interval, not a wait for a condition.
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
    }
    return 130;
  }

  /**
   * The push status asked: of one DVS from the manager asked (one that does not own it refuses, and
   * the call goes to the owner); of every DVS with leadership per DVS, each manager's own DVSes
   * from that manager, merged.
   */
  private GetPushStatusResponse fetch(ManagerServiceBlockingStub manager) {
    owners =
        manager
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listManagers(ListManagersRequest.getDefaultInstance());
    GetPushStatusRequest request = GetPushStatusRequest.newBuilder().setDvs(dvs).build();
    if (!dvs.isEmpty() || !owners.getPerDvs()) {
      return manager.withDeadlineAfter(10, TimeUnit.SECONDS).getPushStatus(request);
    }
    List<HostPushStatus> all = new ArrayList<>();
    for (ManagerEntry m : owners.getManagersList()) {
      if (m.getDvsCount() > 0) {
        all.addAll(atManager(m.getEndpoint(), stub -> stub.getPushStatus(request)).getHostsList());
      }
    }
    all.sort(
        Comparator.comparing(HostPushStatus::getDvsName)
            .thenComparing(HostPushStatus::getHostName));
    return GetPushStatusResponse.newBuilder().addAllHosts(all).build();
  }

  /** The owners line of each manager (leadership per DVS), empty with one leader. */
  private String ownership() {
    if (owners == null || !owners.getPerDvs()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (ManagerEntry m : owners.getManagersList()) {
      out.append(
          String.format(
              "manager %s (%s)%s owns %d DVS: %s%n",
              m.getManagerId(),
              m.getEndpoint(),
              m.getLeader() ? " [leader]" : "",
              m.getDvsCount(),
              m.getDvsList().stream().map(OwnedDvs::getDvsName).collect(Collectors.joining(","))));
    }
    if (owners.getUnownedDvsIdsCount() > 0) {
      out.append("without an owner now: ")
          .append(String.join(",", owners.getUnownedDvsIdsList()))
          .append(System.lineSeparator());
    }
    return out.toString();
  }

  private String text(GetPushStatusResponse r) {
    long inSync =
        r.getHostsList().stream()
            .filter(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC)
            .count();
    Table t =
        new Table(
            "DVS",
            "HOST",
            "STATE",
            "DESIRED",
            "APPLIED",
            "ATTEMPTS",
            "LAST PUSH",
            "CERT EXPIRES",
            "LAST CHANGE / ERROR");
    for (HostPushStatus h : r.getHostsList()) {
      t.row(
          h.getDvsName(),
          h.getHostName(),
          Describe.state(h.getState()),
          h.getDesiredGeneration(),
          h.getAppliedGeneration(),
          h.getAttempts(),
          Describe.time(h.getLastPushUnixMs()),
          h.getCertNotAfterUnixMs() == 0
              ? "not enrolled"
              : Describe.time(h.getCertNotAfterUnixMs()),
          (h.getLastError().isEmpty() ? Describe.summary(h.getLastSummary()) : h.getLastError())
              + (h.getUnclaimedNamespacesCount() == 0
                  ? ""
                  : " unclaimed namespaces: " + String.join(",", h.getUnclaimedNamespacesList())));
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      ps.print(ownership());
      ps.printf("%d/%d hosts in sync%n", inSync, r.getHostsCount());
      t.print(ps, output == OutputFormat.wide, !noHeaders);
    }
    return buf.toString(StandardCharsets.UTF_8).stripTrailing();
  }
}
