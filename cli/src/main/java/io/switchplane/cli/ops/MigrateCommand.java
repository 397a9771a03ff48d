package io.switchplane.cli.ops;

import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.MigrateRequest;
import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationOutcome;
import io.switchplane.api.v1.MigrationStep;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.cli.ExitCode;
import io.switchplane.cli.output.Table;
import io.switchplane.common.text.EnumLabels;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `switchplane migrate VM --to HOST` moves a VM's ports; `switchplane migrate precheck VM --to
 * HOST` only says whether it could.
 */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    subcommands = {MigrateCommand.Precheck.class},
    description = {
      "Move every port of a VM to another host as one two-host transaction (the network side of "
          + "vMotion): prepare them there blocked, switch over (the destination forwards and "
          + "announces the MAC, the source releases), confirm both. Any failure puts both hosts "
          + "back as they were. Prints each step; exits 1 when the migration was aborted, 5 when "
          + "the precheck refuses it."
    })
public final class MigrateCommand extends ManagerCommand {
  @Parameters(index = "0", paramLabel = "VM", description = "The VM's instance UUID.")
  String vm;

  @Option(names = "--to", required = true, description = "Destination host, name or id.")
  String to;

  @Option(
      names = "--confirm-timeout",
      description = "Each step's confirm timeout on the agents, e.g. 10s (default 10s).")
  String confirmTimeout = "";

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    MigrateResponse r =
        migrations()
            .migrate(
                MigrateRequest.newBuilder()
                    .setVm(vm)
                    .setToHost(to)
                    .setConfirmTimeoutMs(
                        confirmTimeout.isEmpty()
                            ? 0
                            : (int) Durations.parseMillis(confirmTimeout, "--confirm-timeout"))
                    .build());
    if (printedAsData(r)) {
      return switch (r.getOutcome()) {
        case MIGRATION_OUTCOME_ABORTED -> ExitCode.FAILED;
        case MIGRATION_OUTCOME_PRECHECK_FAILED -> ExitCode.REFUSED;
        default -> 0;
      };
    }
    if (r.getOutcome() == MigrationOutcome.MIGRATION_OUTCOME_PRECHECK_FAILED) {
      System.out.println("not moved, the precheck failed (nothing changed):");
      print(failures(r.getPrecheckFailuresList()));
      return ExitCode.REFUSED;
    }
    System.out.println("ports: " + String.join(", ", r.getPortKeysList()));
    for (MigrationStep s : r.getStepsList()) {
      System.out.printf(
          Locale.ROOT,
          "%-12s %-6s %8.1f ms  %s%s%n",
          s.getKind().name().replace("MIGRATION_STEP_KIND_", "").toLowerCase(Locale.ROOT),
          s.getOk() ? "ok" : "FAILED",
          s.getMicros() / 1000.0,
          s.getGeneration() == 0 ? "" : "generation " + s.getGeneration() + ": ",
          s.getDetail());
    }
    switch (r.getOutcome()) {
      case MIGRATION_OUTCOME_MOVED ->
          System.out.printf(
              Locale.ROOT,
              "moved to %s (switch-over %.1f ms)%n",
              to,
              r.getSwitchOverMicros() / 1000.0);
      case MIGRATION_OUTCOME_ALREADY_THERE -> System.out.println("already on " + to);
      default -> {
        System.out.println("aborted, both hosts back as they were: " + r.getDetail());
        return ExitCode.FAILED;
      }
    }
    return 0;
  }

  /** The failed conditions as a table, as Precheck and a refused Migrate list them. */
  static Table failures(java.util.List<PrecheckFailure> failures) {
    Table t = new Table("CONDITION", "PORT", "DETAIL");
    for (PrecheckFailure f : failures) {
      t.row(
          EnumLabels.of(f.getCondition(), "PRECHECK_CONDITION_"),
          f.getPortKey().isEmpty() ? "-" : f.getPortKey(),
          f.getDetail());
    }
    return t;
  }

  @Command(
      name = "precheck",
      description =
          "List every condition a move of the VM's ports to the host fails (by logical network"
              + " id); exit 0 when none does, 5 when one does.",
      mixinStandardHelpOptions = true)
  static final class Precheck extends ManagerCommand {
    @Parameters(paramLabel = "VM", description = "The VM's instance UUID.")
    String vm;

    @Option(names = "--to", required = true, paramLabel = "HOST", description = "Host name or id.")
    String to;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PrecheckResponse r =
          migrations().precheck(PrecheckRequest.newBuilder().setVm(vm).setToHost(to).build());
      if (!printedAsData(r)) {
        if (r.getOk()) {
          System.out.println(
              "precheck passed: " + r.getPortKeysCount() + " port(s) of VM " + vm + " may move");
        } else {
          print(failures(r.getFailuresList()));
        }
      }
      return r.getOk() ? 0 : ExitCode.REFUSED;
    }
  }
}
