package io.switchplane.cli.ops;

import com.google.protobuf.FieldMask;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.HostRestorePlan;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import picocli.CommandLine.Option;

/**
 * --dry-run and --expected-generation, on every verb that changes a DVS's configuration. A dry run
 * sends the verb's operation to the manager as a change set to plan, not commit (the planner a
 * commit uses, so the same checks and errors), and prints what committing would do.
 */
final class WriteOptions {
  @Option(
      names = "--dry-run",
      description =
          "Show what the change would do (the hosts that would get a new state, each field old ->"
              + " new) and write nothing.")
  boolean dryRun;

  @Option(
      names = "--expected-generation",
      paramLabel = "G",
      description =
          "Fail with ABORTED unless the DVS is still at generation G (the one you read), so that a"
              + " change made meanwhile is not overwritten.")
  long expectedGeneration;

  /** The generation to send: --expected-generation if given, else read (0: none). */
  long expected(long read) {
    return expectedGeneration != 0 ? expectedGeneration : read;
  }

  /**
   * With --dry-run: plans op on dvs (expecting generation read unless told otherwise), prints the
   * plan and says so; otherwise does nothing and says so.
   */
  boolean previewed(
      ManagerCommand c, ManagerServiceBlockingStub manager, String dvs, ChangeOp op, long read) {
    if (!dryRun) {
      return false;
    }
    print(
        c,
        manager.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs(dvs)
                .addOps(op)
                .setExpectedGeneration(expected(read))
                .setDryRun(true)
                .build()),
        dvs);
    return true;
  }

  /**
   * A create verb's write: with --dry-run, previews op (empty); otherwise sends it with the
   * expected generation (send is given it) and returns the answer. A refusal goes to mayExist:
   * ALREADY_EXISTS with the same settings under --may-exist is no error (empty, said so); anything
   * else is thrown.
   *
   * @param what the object, e.g. "port p1 of DVS d"
   * @param compare adds the names of the existing object's settings that differ from those asked
   *     for
   */
  <R> Optional<R> create(
      ManagerCommand c,
      ManagerServiceBlockingStub manager,
      String dvs,
      ChangeOp op,
      LongFunction<R> send,
      MayExist mayExist,
      String what,
      Consumer<MayExist.Differences> compare) {
    if (previewed(c, manager, dvs, op, 0)) {
      return Optional.empty();
    }
    try {
      return Optional.of(send.apply(expected(0)));
    } catch (StatusRuntimeException e) {
      mayExist.existing(e, what, c.data(), compare);
      return Optional.empty();
    }
  }

  /** Prints a dry run's answer: the hosts that would get a new state, then the changes. */
  static void print(ManagerCommand c, CommitChangeSetResponse r, String dvs) {
    if (c.printedAsData(r)) {
      return;
    }
    if (r.getUnchanged()) {
      System.out.println(
          "dry run: nothing to change on DVS " + dvs + " (generation " + r.getGeneration() + ")");
      return;
    }
    if (r.getHostsCount() == 0) {
      System.out.println("no host would get a new state");
    } else {
      printHosts(c, r.getHostsList());
    }
    EntityChanges.print(r.getChangesList(), "");
    System.out.println(
        "dry run: nothing written; committing would make generation "
            + r.getGeneration()
            + " of DVS "
            + dvs
            + " and push "
            + r.getHostsAffected()
            + " host(s)");
  }

  /** Per host: the ports it gets, changes, loses, and whether it joins or leaves. */
  static void printHosts(ManagerCommand c, List<HostRestorePlan> hosts) {
    Table t = new Table("HOST", "PORTS ADDED", "CHANGED", "REMOVED", "MEMBERSHIP");
    for (HostRestorePlan h : hosts) {
      t.row(
          h.getHostName(),
          h.getPortsAdded(),
          h.getPortsChanged(),
          h.getPortsRemoved(),
          h.getJoins() ? "joins" : h.getLeaves() ? "leaves" : "stays");
    }
    c.print(t);
  }

  /**
   * The update mask of the settings an update verb was given; INVALID_ARGUMENT when none (verb: its
   * name, for the help it points to).
   */
  static FieldMask mask(List<String> paths, String verb) {
    if (paths.isEmpty()) {
      throw SwitchplaneException.invalid(
          "nothing to change: give at least one setting (see 'switchplane %s --help')", verb);
    }
    return FieldMask.newBuilder().addAllPaths(paths).build();
  }

  /** What a write that changed nothing prints (human output). */
  static String nothingToChange(String what, long generation) {
    return "nothing to change (" + what + "): DVS generation " + generation + " stays";
  }
}
