package io.switchplane.cli.ops;

import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetPushStatusResponse;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.OutputFormat;
import io.switchplane.cli.output.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
      print.accept(
          manager
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getPushStatus(GetPushStatusRequest.newBuilder().setDvs(dvs).build()));
      return 0;
    }
    if (untilInSync) {
      return SyncWait.await(manager, dvs, timeoutMillis(), 1_000, print);
    }
    return watchOn(manager, print);
  }

  /** A plain watch: no host state ends it, Ctrl-C does. */
  private int watchOn(
      ManagerServiceBlockingStub manager,
      java.util.function.Consumer<GetPushStatusResponse> print) {
    while (!Thread.interrupted()) {
      print.accept(
          manager
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getPushStatus(GetPushStatusRequest.newBuilder().setDvs(dvs).build()));
      // A display refresh interval, not a wait for a condition.
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
    }
    return 130;
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
      ps.printf("%d/%d hosts in sync%n", inSync, r.getHostsCount());
      t.print(ps, output == OutputFormat.wide, !noHeaders);
    }
    return buf.toString(StandardCharsets.UTF_8).stripTrailing();
  }
}
