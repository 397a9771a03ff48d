package io.switchplane.cli.ops;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.CreateSnapshotRequest;
import io.switchplane.api.v1.DeleteSnapshotRequest;
import io.switchplane.api.v1.DiffSnapshotsRequest;
import io.switchplane.api.v1.DiffSnapshotsResponse;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.GetSnapshotRequest;
import io.switchplane.api.v1.ImportSnapshotRequest;
import io.switchplane.api.v1.ListSnapshotsRequest;
import io.switchplane.api.v1.ListSnapshotsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RestoreMode;
import io.switchplane.api.v1.RestoreSnapshotRequest;
import io.switchplane.api.v1.RestoreSnapshotResponse;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.common.text.EnumLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane snapshot ...`: whole-switch snapshots, their files, and restores. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = {
      "Snapshots of a whole DVS: taken on"
          + " demand and before every change set (checkpoints), kept in ZooKeeper and on every member agent,"
          + " exported to files, restored through the normal push with confirm."
    },
    subcommands = {
      SnapshotCommand.Create.class,
      SnapshotCommand.ListCmd.class,
      SnapshotCommand.Export.class,
      SnapshotCommand.Import.class,
      SnapshotCommand.Diff.class,
      SnapshotCommand.Restore.class,
      SnapshotCommand.Delete.class
    })
public final class SnapshotCommand {
  private static final Map<String, RestoreMode> MODES =
      Map.of(
          "same-dvs", RestoreMode.RESTORE_MODE_SAME_DVS,
          "new-identifiers", RestoreMode.RESTORE_MODE_NEW_IDENTIFIERS,
          "original-identifiers", RestoreMode.RESTORE_MODE_ORIGINAL_IDENTIFIERS,
          "existing-dvs", RestoreMode.RESTORE_MODE_EXISTING_DVS);

  /** The SNAPSHOT argument and the --dvs its name is looked up in. */
  static final class SnapshotRef {
    @Parameters(
        paramLabel = "SNAPSHOT",
        description = "Snapshot id, or name (with --dvs when names repeat).")
    String snapshot;

    @Option(names = "--dvs", description = "The DVS whose snapshot names are meant (name or id).")
    String dvs = "";
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Take a snapshot of a DVS as it is now.")
  static final class Create extends ManagerCommand {
    @Parameters(paramLabel = "DVS", description = "DVS name or id.")
    String dvs;

    @Option(
        names = "--name",
        description = "Snapshot name, unique per DVS (default: manual-GENERATION).")
    String name = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      SnapshotInfo s =
          snapshots()
              .createSnapshot(CreateSnapshotRequest.newBuilder().setDvs(dvs).setName(name).build())
              .getSnapshot();
      System.out.println(
          data()
              ? render(s)
              : "snapshot "
                  + s.getName()
                  + " ("
                  + s.getId()
                  + ") of DVS "
                  + s.getDvsName()
                  + " at generation "
                  + s.getGeneration()
                  + ": "
                  + s.getPortGroups()
                  + " port groups, "
                  + s.getPorts()
                  + " ports, "
                  + s.getMembers()
                  + " hosts, "
                  + s.getChecksum());
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List snapshots, newest first.")
  static final class ListCmd extends ManagerCommand {
    @Option(names = "--dvs", description = "Only this DVS's (name or id; also a deleted DVS's).")
    String dvs = "";

    @Option(names = "--all", description = "Include the automatic checkpoints.")
    boolean all;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListSnapshotsResponse r =
          snapshots()
              .listSnapshots(
                  ListSnapshotsRequest.newBuilder().setDvs(dvs).setIncludeCheckpoints(all).build());
      if (printedAsData(r)) {
        return 0;
      }
      Table t =
          new Table(
              "NAME", "DVS", "GENERATION", "KIND", "TAKEN", "PORT GROUPS", "PORTS", "HOSTS", "ID");
      for (SnapshotInfo s : r.getSnapshotsList()) {
        t.row(
            s.getName(),
            s.getDvsName(),
            s.getGeneration(),
            EnumLabels.of(s.getKind(), "SNAPSHOT_KIND_"),
            Describe.time(s.getTakenUnixMs()),
            s.getPortGroups(),
            s.getPorts(),
            s.getMembers(),
            s.getId());
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Write a snapshot to a file.")
  static final class Export extends ManagerCommand {
    @Mixin SnapshotRef ref;

    @Option(
        names = "--file",
        required = true,
        description = "The file to write (replaced whole, never half).")
    Path file;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      DvsSnapshot s =
          snapshots()
              .getSnapshot(
                  GetSnapshotRequest.newBuilder().setSnapshot(ref.snapshot).setDvs(ref.dvs).build())
              .getSnapshot();
      byte[] bytes = SnapshotCodec.toFile(s);
      try {
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw SwitchplaneException.invalid("cannot write %s: %s", file, e.getMessage());
      }
      System.out.println(
          data()
              ? render(s.getInfo())
              : "wrote snapshot "
                  + s.getInfo().getName()
                  + " of DVS "
                  + s.getInfo().getDvsName()
                  + " ("
                  + bytes.length
                  + " bytes, "
                  + s.getInfo().getChecksum()
                  + ") to "
                  + file);
      return 0;
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Store a snapshot from a file, after"
            + " checking its format and checksum (a bad file stores nothing). Restore it afterwards."
      })
  static final class Import extends ManagerCommand {
    @Option(
        names = "--file",
        required = true,
        description = "A file written by 'switchplane snapshot export'.")
    Path file;

    @Option(names = "--name", description = "Name to store it under (default: its own, if free).")
    String name = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw SwitchplaneException.invalid("cannot read %s: %s", file, e.getMessage());
      }
      SnapshotInfo s =
          snapshots()
              .importSnapshot(
                  ImportSnapshotRequest.newBuilder()
                      .setFile(ByteString.copyFrom(bytes))
                      .setName(name)
                      .build())
              .getSnapshot();
      System.out.println(
          data()
              ? render(s)
              : "imported snapshot "
                  + s.getName()
                  + " ("
                  + s.getId()
                  + ") of DVS "
                  + s.getDvsName()
                  + " at generation "
                  + s.getGeneration());
      return 0;
    }
  }

  @Command(
      name = "diff",
      mixinStandardHelpOptions = true,
      description = {
        "What restoring snapshot FROM would change:"
            + " onto snapshot TO, or with --current onto the DVS as it is now."
      })
  static final class Diff extends ManagerCommand {
    @Parameters(
        index = "0",
        paramLabel = "FROM",
        description = "The snapshot a restore would bring back.")
    String from;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "TO",
        description = "The snapshot to compare with.")
    String to = "";

    @Option(names = "--current", description = "Compare with the current configuration of the DVS.")
    boolean current;

    @Option(
        names = "--dvs",
        description = "The DVS snapshot names refer to, and the current one (default: FROM's).")
    String dvs = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      DiffSnapshotsResponse r =
          snapshots()
              .diffSnapshots(
                  DiffSnapshotsRequest.newBuilder()
                      .setFrom(from)
                      .setTo(to)
                      .setCurrent(current)
                      .setDvs(dvs)
                      .build());
      if (!printedAsData(r)) {
        printChanges(r.getChangesList());
      }
      return 0;
    }
  }

  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Restore a snapshot as one change set,"
            + " pushed with confirm like any other (a restore that cuts a host reverts there).",
        "Modes: same-dvs (onto its own DVS), new-identifiers (a new DVS, --name required), original-identifiers"
            + " (a new DVS with the snapshot's ids; the DVS must be gone), existing-dvs (onto --target)."
      })
  static final class Restore extends ManagerCommand {
    @Mixin SnapshotRef ref;

    @Option(
        names = "--mode",
        required = true,
        description = "same-dvs, new-identifiers, original-identifiers or" + " existing-dvs.")
    String mode;

    @Option(names = "--target", description = "existing-dvs: the DVS to restore onto.")
    String target = "";

    @Option(
        names = "--name",
        description = "The DVS's name after the restore (new-identifiers: required).")
    String newName = "";

    @Option(
        names = "--dry-run",
        description = "Print the per-host plan and the changes; write nothing.")
    boolean dryRun;

    @Option(
        names = "--confirm-timeout",
        paramLabel = "DURATION",
        description = "Confirm deadline of the push" + " (e.g. 30s, 2m; default 30s).")
    String confirmTimeout = "30s";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      RestoreMode m = MODES.get(mode);
      if (m == null) {
        throw SwitchplaneException.invalid(
            "--mode must be one of %s, not '%s'",
            String.join(", ", MODES.keySet().stream().sorted().toList()), mode);
      }
      RestoreSnapshotResponse r =
          snapshots()
              .restoreSnapshot(
                  RestoreSnapshotRequest.newBuilder()
                      .setSnapshot(ref.snapshot)
                      .setDvs(ref.dvs)
                      .setMode(m)
                      .setTarget(target)
                      .setNewName(newName)
                      .setDryRun(dryRun)
                      .setConfirmTimeoutMs(
                          (int) Durations.parseMillis(confirmTimeout, "--confirm-timeout"))
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      WriteOptions.printHosts(this, r.getHostsList());
      printChanges(r.getChangesList());
      System.out.println(
          r.getDryRun()
              ? "dry run: nothing written; DVS " + r.getDvsName() + " would be restored"
              : "restored DVS "
                  + r.getDvsName()
                  + " ("
                  + r.getDvsId()
                  + ") at generation "
                  + r.getGeneration()
                  + "; follow the push with 'switchplane status "
                  + r.getDvsName()
                  + "'");
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a snapshot.")
  static final class Delete extends ManagerCommand {
    @Mixin SnapshotRef ref;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      snapshots()
          .deleteSnapshot(
              DeleteSnapshotRequest.newBuilder().setSnapshot(ref.snapshot).setDvs(ref.dvs).build());
      System.out.println(data() ? "{}" : "deleted snapshot " + ref.snapshot);
      return 0;
    }
  }

  static void printChanges(List<EntityChange> changes) {
    if (changes.isEmpty()) {
      System.out.println("no differences");
      return;
    }
    EntityChanges.print(changes, "");
  }
}
