package io.switchplane.cli.ops;

import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.GetChangeRequest;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ListChangesResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `switchplane log`: who committed each generation, when, why and what it changed (Junos `show
 * system commit`).
 */
@Command(
    name = "log",
    mixinStandardHelpOptions = true,
    subcommands = LogCommand.Show.class,
    description = {
      "List the audit log, newest first: generation, who, from where, when, the comment and a summary",
      "of what changed. 'log show DVS GEN' prints one change with old -> new values."
    })
public final class LogCommand extends ManagerCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "DVS",
      description = "Only this DVS (name or id; also a deleted one).")
  String dvs = "";

  @Option(names = "--limit", description = "At most this many records (default 50, at most 1000).")
  int limit;

  @Option(
      names = "--request",
      paramLabel = "ID",
      description = {
        "Only the change the command with this request id"
            + " made (a command whose connection broke during a write names its id).",
        "Empty output: that command committed nothing."
      })
  String request = "";

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    ListChangesResponse r =
        audit()
            .listChanges(
                ListChangesRequest.newBuilder()
                    .setDvs(dvs)
                    .setLimit(limit)
                    .setRequestId(request)
                    .build());
    if (printedAsData(r)) {
      return 0;
    }
    Table t = new Table("DVS", "GENERATION", "WHEN", "WHO", "FROM", "KIND", "CHANGES", "COMMENT");
    for (ChangeRecord c : r.getRecordsList()) {
      t.row(
          c.getDvsName(),
          c.getGeneration(),
          Describe.time(c.getUnixMs()),
          c.getPrincipal(),
          c.getClientAddress().isEmpty() ? "-" : c.getClientAddress(),
          c.getKind(),
          c.getSummary(),
          c.getComment().isEmpty() ? "-" : c.getComment());
    }
    print(t);
    return 0;
  }

  /** `switchplane log show DVS GEN`. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Print one change with old -> new values.")
  static final class Show extends ManagerCommand {
    @Parameters(
        index = "0",
        paramLabel = "DVS",
        description = "DVS name or id (also a deleted one).")
    String dvs;

    @Parameters(
        index = "1",
        paramLabel = "GENERATION",
        description = "The generation the change made.")
    long generation;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ChangeRecord c =
          audit()
              .getChange(
                  GetChangeRequest.newBuilder().setDvs(dvs).setGeneration(generation).build())
              .getRecord();
      if (printedAsData(c)) {
        return 0;
      }
      System.out.println(
          "generation "
              + c.getGeneration()
              + " of DVS "
              + c.getDvsName()
              + " ("
              + c.getDvsId()
              + ")");
      System.out.println(
          "  by       "
              + c.getPrincipal()
              + (c.getClientAddress().isEmpty() ? "" : " from " + c.getClientAddress()));
      System.out.println("  at       " + Describe.time(c.getUnixMs()));
      System.out.println("  kind     " + c.getKind() + ", " + c.getOpCount() + " op(s)");
      System.out.println("  comment  " + (c.getComment().isEmpty() ? "-" : c.getComment()));
      System.out.println("  changes  " + c.getSummary());
      EntityChanges.print(c.getChangesList(), "  ");
      if (c.getChangesOmitted() > 0) {
        System.out.println(
            "  ... and " + c.getChangesOmitted() + " more change(s), not kept in the record");
      }
      return 0;
    }
  }
}
