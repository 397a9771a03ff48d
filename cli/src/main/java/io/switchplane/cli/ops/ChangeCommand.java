package io.switchplane.cli.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.CommitMode;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane change`: several operations on one DVS as one transaction and one generation. */
@Command(
    name = "change",
    mixinStandardHelpOptions = true,
    description = {
      "Commit a change set from a JSON file: all its operations or none, one new generation.",
      "The file is a CommitChangeSetRequest in proto3 JSON, e.g.",
      "  {\"dvs\": \"dvs1\", \"ops\": [",
      "    {\"createPortGroup\": {\"name\": \"app\", \"policy\": {\"vlan\": {\"value\": {\"accessId\": 300}}}}},",
      "    {\"createPort\": {\"key\": \"p7\", \"portGroupId\": \"app\", \"hostId\": \"host-1\"}}]}",
      "Operation kinds: updateDvs, createPortGroup, updatePortGroup, deletePortGroup, createPort, updatePort,",
      "deletePort, addMember, removeMember (see proto/src/main/proto/switchplane/v1/manager.proto).",
      "An update takes the whole record unless it names the fields to change: \"updateMask\" in",
      "updatePortGroup and updatePort, \"updateDvsMask\" beside updateDvs, e.g.",
      "  {\"updatePortGroup\": {\"portGroup\": \"app\", \"settings\": {\"numPorts\": 32}, \"updateMask\": \"numPorts\"}}",
      "--dry-run shows what the change set would do without writing it."
    })
public final class ChangeCommand extends ManagerCommand {
  @Parameters(paramLabel = "FILE", description = "The change set, JSON; - reads standard input.")
  String file;

  @Option(names = "--dvs", description = "The DVS (name or id), overriding the file's.")
  String dvs;

  @Mixin WriteOptions write;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description = {
        "best-effort (default): each host applies, is confirmed "
            + "or rolls back on its own; atomic: every affected host applies or none keeps it (the command waits for the "
            + "decision)."
      })
  String mode;

  @Option(
      names = "--confirm-timeout",
      paramLabel = "DURATION",
      description =
          "How long each agent waits for the "
              + "manager's confirm before it rolls back by itself, 2s to 1h, e.g. 10s, 500ms, 5m (default 30s).")
  String confirmTimeout;

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    CommitChangeSetRequest.Builder request = CommitChangeSetRequest.newBuilder();
    try {
      String text =
          file.equals("-")
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file));
      JsonFormat.parser().merge(text, request);
    } catch (InvalidProtocolBufferException e) {
      throw SwitchplaneException.invalid("%s is not a valid change set: %s", file, e.getMessage());
    } catch (java.nio.file.NoSuchFileException e) {
      throw SwitchplaneException.invalid("cannot read %s: no such file", file);
    } catch (java.nio.file.AccessDeniedException e) {
      throw SwitchplaneException.invalid("cannot read %s: permission denied", file);
    } catch (IOException e) {
      throw SwitchplaneException.invalid("cannot read %s: %s", file, e.toString());
    }
    if (dvs != null) {
      request.setDvs(dvs);
    }
    if (write.expectedGeneration != 0) {
      request.setExpectedGeneration(write.expectedGeneration);
    }
    if (write.dryRun) {
      WriteOptions.print(
          this, manager.commitChangeSet(request.setDryRun(true).build()), request.getDvs());
      return 0;
    }
    if (mode != null) {
      request.setMode(
          switch (mode.toLowerCase(java.util.Locale.ROOT)) {
            case "atomic" -> CommitMode.COMMIT_MODE_ATOMIC;
            case "best-effort" -> CommitMode.COMMIT_MODE_BEST_EFFORT;
            default ->
                throw SwitchplaneException.invalid(
                    "--mode must be atomic or best-effort, not '%s'", mode);
          });
    }
    if (confirmTimeout != null) {
      request.setConfirmTimeoutMs(
          Math.toIntExact(Durations.parseMillis(confirmTimeout, "--confirm-timeout")));
    }
    if (request.getMode() == CommitMode.COMMIT_MODE_ATOMIC && !data()) {
      System.out.println(
          "atomic change set on DVS "
              + request.getDvs()
              + ": waiting until every affected host applied"
              + " (or one failed)...");
    }
    CommitChangeSetResponse r = manager.commitChangeSet(request.build());
    if (data()) {
      System.out.println(render(r));
    } else if (r.getUnchanged()) {
      System.out.println(
          "nothing to change: the "
              + request.getOpsCount()
              + " operation(s) leave DVS "
              + request.getDvs()
              + " as it is (generation "
              + r.getGeneration()
              + " stays, nothing pushed)");
    } else if (r.getOutcome() == CommitOutcome.COMMIT_OUTCOME_ABORTED) {
      System.out.println(
          "ABORTED: generation "
              + r.getGeneration()
              + " was rolled back on every host that applied it;"
              + " the previous configuration is restored as generation "
              + r.getRestoredGeneration()
              + ". Why: "
              + r.getDetail());
      return io.switchplane.cli.ExitCode.REFUSED;
    } else {
      System.out.println(
          (r.getOutcome() == CommitOutcome.COMMIT_OUTCOME_COMMITTED ? "COMMITTED: " : "committed ")
              + request.getOpsCount()
              + " operation(s) on DVS "
              + request.getDvs()
              + ": generation "
              + r.getGeneration()
              + ", "
              + r.getHostsAffected()
              + " host(s) "
              + (r.getOutcome() == CommitOutcome.COMMIT_OUTCOME_COMMITTED
                  ? "applied and confirmed"
                  : "to push"));
    }
    return 0;
  }
}
