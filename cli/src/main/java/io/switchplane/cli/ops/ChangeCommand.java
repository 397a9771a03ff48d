package io.switchplane.cli.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Json;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane change`: several operations on one DVS as one transaction and one generation. */
@Command(name = "change", mixinStandardHelpOptions = true,
    description = {"Commit a change set from a JSON file: all its operations or none, one new generation.",
        "The file is a CommitChangeSetRequest in proto3 JSON, e.g.",
        "  {\"dvs\": \"dvs1\", \"ops\": [",
        "    {\"createPortGroup\": {\"name\": \"app\", \"policy\": {\"vlan\": {\"value\": {\"accessId\": 300}}}}},",
        "    {\"createPort\": {\"key\": \"p7\", \"portGroupId\": \"app\", \"hostId\": \"host-1\"}}]}",
        "Operation kinds: updateDvs, createPortGroup, updatePortGroup, deletePortGroup, createPort, updatePort,",
        "deletePort, addMember, removeMember (see proto/src/main/proto/switchplane/v1/manager.proto)."})
public final class ChangeCommand extends ManagerCommand {
  @Parameters(paramLabel = "FILE", description = "The change set, JSON; - reads standard input.")
  String file;

  @Option(names = "--dvs", description = "The DVS (name or id), overriding the file's.")
  String dvs;

  @Option(names = "--expected-generation", description = "Fail with ABORTED unless the DVS is at this generation.")
  Long expectedGeneration;

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    CommitChangeSetRequest.Builder request = CommitChangeSetRequest.newBuilder();
    try {
      String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file));
      JsonFormat.parser().merge(text, request);
    } catch (InvalidProtocolBufferException e) {
      throw SwitchplaneException.invalid("%s is not a valid change set: %s", file, e.getMessage());
    } catch (IOException e) {
      throw SwitchplaneException.invalid("cannot read %s: %s", file, e.getMessage());
    }
    if (dvs != null) {
      request.setDvs(dvs);
    }
    if (expectedGeneration != null) {
      request.setExpectedGeneration(expectedGeneration);
    }
    CommitChangeSetResponse r = manager.commitChangeSet(request.build());
    System.out.println(json() ? Json.print(r) : "committed " + request.getOpsCount() + " operation(s) on DVS "
        + request.getDvs() + ": generation " + r.getGeneration() + ", " + r.getHostsAffected() + " host(s) to push");
    return 0;
  }
}
