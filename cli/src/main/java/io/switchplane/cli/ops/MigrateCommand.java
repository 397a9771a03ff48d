package io.switchplane.cli.ops;

import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.cli.ExitCode;
import io.switchplane.cli.output.Table;
import io.switchplane.common.text.EnumLabels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane migrate ...`: the network side of moving a VM between hosts. */
@Command(
    name = "migrate",
    description = "Move a VM's ports between hosts (network side of vMotion).",
    mixinStandardHelpOptions = true,
    subcommands = {MigrateCommand.Precheck.class})
public final class MigrateCommand {

  @Command(
      name = "precheck",
      description =
          "List every condition a move of the VM's ports to the host fails (by logical network"
              + " id); exit 0 when none does.",
      mixinStandardHelpOptions = true)
  static final class Precheck extends ManagerCommand {
    @Parameters(paramLabel = "VM", description = "The VM's instance UUID.")
    String vm;

    @Option(names = "--to", required = true, paramLabel = "HOST", description = "Host name or id.")
    String to;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PrecheckResponse r =
          migration().precheck(PrecheckRequest.newBuilder().setVm(vm).setToHost(to).build());
      if (!printedAsData(r)) {
        if (r.getOk()) {
          System.out.println(
              "precheck passed: " + r.getPortKeysCount() + " port(s) of VM " + vm + " may move");
        } else {
          Table t = new Table("CONDITION", "PORT", "DETAIL");
          for (PrecheckFailure f : r.getFailuresList()) {
            t.row(
                EnumLabels.of(f.getCondition(), "PRECHECK_CONDITION_"),
                f.getPortKey().isEmpty() ? "-" : f.getPortKey(),
                f.getDetail());
          }
          print(t);
        }
      }
      return r.getOk() ? 0 : ExitCode.REFUSED;
    }
  }
}
