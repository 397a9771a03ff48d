package io.switchplane.cli.ops;

import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.GetHostHistoryRequest;
import io.switchplane.api.v1.GetHostHistoryResponse;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetPushStatusResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.ListHostsRequest;
import io.switchplane.api.v1.ListHostsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RectifyHostRequest;
import io.switchplane.api.v1.RectifyHostResponse;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.RollbackHostResponse;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.text.EnumLabels;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane host ...`: the hosts the manager knows and where their agents listen. */
@Command(
    name = "host",
    description = "Register, list and remove hosts.",
    mixinStandardHelpOptions = true,
    subcommands = {
      HostCommand.Add.class,
      HostCommand.ListCmd.class,
      HostCommand.Show.class,
      HostCommand.Remove.class,
      HostCommand.History.class,
      HostCommand.Rollback.class,
      HostCommand.Rectify.class,
      HostCommand.EnrollToken.class
    })
public final class HostCommand {

  @Command(
      name = "add",
      description = "Register a host and its agent endpoint.",
      mixinStandardHelpOptions = true)
  static final class Add extends ManagerCommand {
    @Parameters(paramLabel = "NAME", description = "Unique host name.")
    String name;

    @Option(
        names = "--endpoint",
        required = true,
        paramLabel = "HOST:PORT",
        description = "The host agent's gRPC endpoint.")
    String endpoint;

    @Mixin MayExist mayExist;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Host h;
      try {
        h =
            manager
                .registerHost(
                    RegisterHostRequest.newBuilder().setName(name).setEndpoint(endpoint).build())
                .getHost();
      } catch (io.grpc.StatusRuntimeException e) {
        return mayExist.existing(
            e,
            "host " + name,
            data(),
            d -> {
              Host existing =
                  manager.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                      .filter(x -> x.getName().equals(name))
                      .findFirst()
                      .orElseThrow(() -> SwitchplaneException.notFound("no host %s", name));
              d.check("endpoint", endpoint, existing.getEndpoint());
            });
      }
      System.out.println(
          data()
              ? render(h)
              : "registered host " + h.getName() + " (" + h.getId() + ") at " + h.getEndpoint());
      return 0;
    }
  }

  @Command(
      name = "enroll-token",
      mixinStandardHelpOptions = true,
      description = {
        "Print a one-time token with which "
            + "the host's agent enrolls: 'switchplane agent --enroll TOKEN --manager MANAGER:7402 ...' on that host makes "
            + "its key there, and gets a certificate naming the host. The token works once, until it expires."
      })
  static final class EnrollToken extends ManagerCommand {
    @Parameters(paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description = "How long the token works (default 15m; 1m-24h).")
    String ttl = "15m";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      var r =
          pki()
              .createEnrollToken(
                  io.switchplane.api.v1.CreateEnrollTokenRequest.newBuilder()
                      .setHost(host)
                      .setTtlSeconds(Durations.parseMillis(ttl, "--ttl") / 1000)
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.println(r.getToken());
      System.err.println(
          "one-time token for host "
              + host
              + " ("
              + r.getHostId()
              + "), valid until "
              + Describe.time(r.getExpiresUnixMs()));
      return 0;
    }
  }

  @Command(name = "list", description = "List registered hosts.", mixinStandardHelpOptions = true)
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListHostsResponse r = manager.listHosts(ListHostsRequest.getDefaultInstance());
      if (printedAsData(r)) {
        return 0;
      }
      Table t = new Table("NAME", "ID", "ENDPOINT").wideOnly("ID");
      for (Host h : r.getHostsList()) {
        t.row(h.getName(), h.getId(), h.getEndpoint());
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "show",
      description =
          "Show one host: its sync state per DVS and the logical networks its agent realizes.",
      mixinStandardHelpOptions = true)
  static final class Show extends ManagerCommand {
    @Parameters(paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Host h =
          manager.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
              .filter(x -> x.getId().equals(host) || x.getName().equals(host))
              .findFirst()
              .orElseThrow(
                  () -> SwitchplaneException.notFound("host '%s' is not registered", host));
      List<HostPushStatus> statuses =
          manager.getPushStatus(GetPushStatusRequest.getDefaultInstance()).getHostsList().stream()
              .filter(s -> s.getHostId().equals(h.getId()))
              .toList();
      if (data()) {
        System.out.println(
            render(GetPushStatusResponse.newBuilder().addAllHosts(statuses).build()));
        return 0;
      }
      System.out.printf(
          "name:     %s%nid:       %s%nendpoint: %s%n", h.getName(), h.getId(), h.getEndpoint());
      Table t = new Table("DVS", "STATE", "APPLIED", "REALIZED LOGICAL NETWORKS");
      for (HostPushStatus s : statuses) {
        t.row(
            s.getDvsName(),
            Describe.state(s.getState()),
            s.getAppliedGeneration(),
            s.getRealizedLogicalNetworksCount() == 0
                ? "-"
                : String.join(",", s.getRealizedLogicalNetworksList()));
      }
      System.out.println();
      print(t);
      return 0;
    }
  }

  /** The HOST argument and --dvs option of the verbs about one host's switch of one DVS. */
  static final class HostOfDvs {
    @Parameters(paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Option(names = "--dvs", required = true, description = "The DVS (name or id).")
    String dvs;
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = {
        "What the host applied for a DVS, newest "
            + "first, and what became of each generation: pending, confirmed, or rolled back and why (like Junos "
            + "'show system commit'); a 'host rollback' is a row of its own (rollback from G). Read from the host's agent."
      })
  static final class History extends ManagerCommand {
    @Mixin HostOfDvs target;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetHostHistoryResponse r =
          manager.getHostHistory(
              GetHostHistoryRequest.newBuilder().setDvs(target.dvs).setHost(target.host).build());
      if (printedAsData(r)) {
        return 0;
      }
      print(table(r));
      return 0;
    }

    /**
     * The history as a table: one row per generation applied and one per rollback (the host taken
     * back from one generation to an earlier one's state), newest first.
     */
    static Table table(GetHostHistoryResponse r) {
      Table t =
          new Table("GENERATION", "EVENT", "APPLIED", "CHANGE", "OUTCOME", "DECIDED", "CAUSE");
      for (HistoryEntry e : r.getEntriesList()) {
        boolean rollback = e.getKind() == HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK;
        List<String> causes = new ArrayList<>();
        if (rollback) {
          causes.add(EnumLabels.of(e.getReason(), "ROLLBACK_CAUSE_"));
        }
        if (e.getRollbackCause() != RollbackCause.ROLLBACK_CAUSE_UNSPECIFIED) {
          causes.add(
              (rollback ? "undone: " : "")
                  + EnumLabels.of(e.getRollbackCause(), "ROLLBACK_CAUSE_"));
        }
        t.row(
            Long.toString(e.getGeneration()),
            rollback ? "rollback from " + e.getFromGeneration() : "apply",
            Describe.time(e.getAppliedUnixMs()),
            "+"
                + e.getSummary().getAdded()
                + " ~"
                + e.getSummary().getUpdated()
                + " -"
                + e.getSummary().getRemoved(),
            EnumLabels.of(e.getOutcome(), "APPLY_OUTCOME_"),
            Describe.time(e.getOutcomeUnixMs()),
            causes.isEmpty() ? "-" : String.join("; ", causes));
      }
      return t;
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = {
        "Take one host's switch back to the "
            + "state it had at an earlier generation (kept in the host's history, see 'host history'), through the "
            + "normal apply and confirm path, like Junos 'rollback N' + commit. The host then shows rolled-back and is "
            + "left alone until a change set affects it."
      })
  static final class Rollback extends ManagerCommand {
    @Mixin HostOfDvs target;

    @Option(
        names = "--to-generation",
        required = true,
        paramLabel = "G",
        description = "The generation to go back to.")
    long generation;

    @Option(
        names = "--confirm-timeout",
        paramLabel = "DURATION",
        description = "As for 'change' (default 30s).")
    String confirmTimeout;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      RollbackHostRequest.Builder request =
          RollbackHostRequest.newBuilder()
              .setDvs(target.dvs)
              .setHost(target.host)
              .setToGeneration(generation);
      if (confirmTimeout != null) {
        request.setConfirmTimeoutMs(
            Math.toIntExact(Durations.parseMillis(confirmTimeout, "--confirm-timeout")));
      }
      RollbackHostResponse r = manager.rollbackHost(request.build());
      if (printedAsData(r)) {
        return 0;
      }
      ChangeSummary s = r.getSummary();
      System.out.println(
          "host "
              + target.host
              + " is back at generation "
              + r.getAppliedGeneration()
              + " of DVS "
              + target.dvs
              + " (+"
              + s.getAdded()
              + " ~"
              + s.getUpdated()
              + " -"
              + s.getRemoved()
              + "), confirmed; it stays there"
              + " until a change set affects it");
      return 0;
    }
  }

  @Command(
      name = "rectify",
      mixinStandardHelpOptions = true,
      description = {
        "Check a host's switch against what its "
            + "agent applied and bring back the ports that drifted (changed by hand on the switch). Ports the agent did "
            + "not create are left alone."
      })
  static final class Rectify extends ManagerCommand {
    @Mixin HostOfDvs target;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      RectifyHostResponse r =
          manager.rectifyHost(
              RectifyHostRequest.newBuilder().setDvs(target.dvs).setHost(target.host).build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.println(
          r.getDriftedPortKeysCount() == 0
              ? "host " + target.host + ": no drift, nothing to do"
              : "host "
                  + target.host
                  + ": "
                  + r.getDriftedPortKeysCount()
                  + " drifted port(s) "
                  + r.getDriftedPortKeysList()
                  + " brought back (+"
                  + r.getSummary().getAdded()
                  + " ~"
                  + r.getSummary().getUpdated()
                  + " -"
                  + r.getSummary().getRemoved()
                  + ")");
      return 0;
    }
  }

  @Command(
      name = "remove",
      description = "Unregister a host that is no DVS's member.",
      mixinStandardHelpOptions = true)
  static final class Remove extends ManagerCommand {
    @Parameters(paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      manager.removeHost(RemoveHostRequest.newBuilder().setHost(host).build());
      System.out.println("removed host " + host);
      return 0;
    }
  }
}
