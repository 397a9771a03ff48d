package io.switchplane.agent.backend;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.common.diff.PortOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host switch that outlives the agent process: one file per port under {@code
 * DIR/DVS_ID/KEY.port} (the effective port as protobuf). Each operation is atomic on its own (write
 * to a temporary file, then rename), the set of them is not, exactly like a real switch changed
 * port by port: an agent killed in the middle of an apply leaves a mix here, and only the agent's
 * journal and recovery can repair it. That is why the crash tests use it. Like {@link
 * MemoryBackend}, it refuses operations that do not match what it has.
 */
public final class FileBackend extends OpByOpBackend {
  public static final String NAME = "file";
  private static final Logger LOG = LoggerFactory.getLogger(FileBackend.class);
  private static final String SUFFIX = ".port";
  private static final String TMP = ".tmp";

  private final Path dir;

  /** A backend in dir (created on first write). Does no I/O. */
  public FileBackend(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, EffectivePort> ports(String dvsId) {
    Path switchDir = dir.resolve(dvsId);
    Map<String, EffectivePort> out = new HashMap<>();
    if (!Files.isDirectory(switchDir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(switchDir, "*" + SUFFIX)) {
      for (Path file : files) {
        EffectivePort port = read(file);
        out.put(port.getKey(), port);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the ports of DVS " + dvsId + " in " + switchDir, e);
    }
    return out;
  }

  /**
   * Deletes every KEY.port.tmp that a crash between the write and its rename left (the port file is
   * whole either way).
   */
  @Override
  public void removeLeftovers() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> switches = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path switchDir : switches) {
        try (DirectoryStream<Path> tmps = Files.newDirectoryStream(switchDir, "*" + SUFFIX + TMP)) {
          for (Path tmp : tmps) {
            Files.deleteIfExists(tmp);
            LOG.info("removed {}, left by an interrupted write", tmp);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot clean the leftovers of interrupted writes in " + dir, e);
    }
  }

  @Override
  protected void applyOne(String dvsId, PortOp op) throws BackendException {
    Path file = dir.resolve(dvsId).resolve(op.key() + SUFFIX);
    try {
      boolean exists = Files.exists(file);
      if (op.kind() == PortOp.Kind.ADD) {
        if (exists) {
          throw new BackendException("port " + op.key() + " exists already");
        }
        write(file, op.after());
        return;
      }
      if (!exists) {
        throw new BackendException("port " + op.key() + " does not exist");
      }
      if (!read(file).equals(op.before())) {
        throw new BackendException(
            "port " + op.key() + " does not have the configuration the " + op.kind() + " expects");
      }
      if (op.kind() == PortOp.Kind.UPDATE) {
        write(file, op.after());
      } else {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new BackendException(
          "cannot change port " + op.key() + " in " + file.getParent() + ": " + e, e);
    }
  }

  private static void write(Path file, EffectivePort port) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + TMP);
    Files.write(tmp, port.toByteArray());
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static EffectivePort read(Path file) throws IOException {
    try {
      return EffectivePort.parseFrom(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("corrupt port file " + file, e);
    }
  }

  @Override
  public void close() {
    // Nothing held open: the files are the switch, and they stay.
  }
}
