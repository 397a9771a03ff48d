package io.switchplane.common.snapshot;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.error.SwitchplaneException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * Seals, checks and (de)serialises DVS snapshots, the same way on the manager, on the agents and in
 * files.
 *
 * <p>The checksum is SHA-256 over the content bytes exactly as taken (the content travels as bytes,
 * never re-encoded), so a copy that went through ZooKeeper, an agent's RocksDB or a file verifies
 * bit for bit. A file is the magic {@value #MAGIC_TEXT}, then the serialized {@link DvsSnapshot}:
 * the magic tells a snapshot from any other file before parsing, and the checksum catches
 * truncation and corruption that still parse.
 */
public final class SnapshotCodec {
  /** The content format this build writes and reads. */
  public static final int FORMAT_VERSION = 1;

  static final String MAGIC_TEXT = "SWPLSNAP";

  /** Newest first: generation, then time taken; the one order of manager, agents and recovery. */
  public static final Comparator<SnapshotInfo> NEWEST_FIRST =
      Comparator.comparingLong(SnapshotInfo::getGeneration)
          .thenComparingLong(SnapshotInfo::getTakenUnixMs)
          .reversed();

  private static final byte[] MAGIC = MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII);

  private SnapshotCodec() {}

  /**
   * A snapshot of content, described by info (its checksum, format, counts and size are filled in
   * here).
   */
  public static DvsSnapshot seal(SnapshotInfo info, SnapshotContent content) {
    byte[] bytes = content.toByteArray();
    SnapshotInfo sealed =
        info.toBuilder()
            .setChecksum(checksum(bytes))
            .setFormatVersion(FORMAT_VERSION)
            .setPortGroups(content.getPortGroupsCount())
            .setPorts(content.getPortsCount())
            .setMembers(content.getDvs().getMembersCount())
            .setContentBytes(bytes.length)
            .build();
    return DvsSnapshot.newBuilder().setInfo(sealed).setContent(ByteString.copyFrom(bytes)).build();
  }

  /**
   * The content of a snapshot after checking it: format version this build reads, checksum, and
   * that the content is the DVS and generation the info says.
   *
   * @throws SwitchplaneException FAILED_PRECONDITION for a newer format, INVALID_ARGUMENT for
   *     anything damaged
   */
  public static SnapshotContent open(DvsSnapshot snapshot) {
    SnapshotInfo info = snapshot.getInfo();
    if (info.getFormatVersion() > FORMAT_VERSION) {
      throw SwitchplaneException.precondition(
          "snapshot '%s' has format version %d; this Switchplane reads up to %d:"
              + " restore it with a newer Switchplane",
          info.getName(), info.getFormatVersion(), FORMAT_VERSION);
    }
    if (info.getFormatVersion() < 1) {
      throw SwitchplaneException.invalid(
          "snapshot '%s' has no format version: not a snapshot, or damaged", info.getName());
    }
    byte[] bytes = snapshot.getContent().toByteArray();
    String actual = checksum(bytes);
    if (!actual.equals(info.getChecksum())) {
      throw SwitchplaneException.invalid(
          "snapshot '%s' is damaged: its content has checksum %s, it says %s",
          info.getName(), actual, info.getChecksum().isEmpty() ? "none" : info.getChecksum());
    }
    SnapshotContent content;
    try {
      content = SnapshotContent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw SwitchplaneException.invalid(
          "snapshot '%s' has a checksum that matches but content that does not" + " parse (%s)",
          info.getName(), e.getMessage());
    }
    if (!content.getDvs().getId().equals(info.getDvsId())
        || content.getDvs().getGeneration() != info.getGeneration()) {
      throw SwitchplaneException.invalid(
          "snapshot '%s' says DVS %s generation %d but holds DVS %s generation %d",
          info.getName(),
          info.getDvsId(),
          info.getGeneration(),
          content.getDvs().getId(),
          content.getDvs().getGeneration());
    }
    return content;
  }

  /** The bytes of a snapshot file. */
  public static byte[] toFile(DvsSnapshot snapshot) {
    byte[] body = snapshot.toByteArray();
    byte[] out = Arrays.copyOf(MAGIC, MAGIC.length + body.length);
    System.arraycopy(body, 0, out, MAGIC.length, body.length);
    return out;
  }

  /**
   * A snapshot read from a file's bytes, checked as {@link #open} checks it.
   *
   * @throws SwitchplaneException INVALID_ARGUMENT when it is not a snapshot file or is damaged,
   *     FAILED_PRECONDITION for a newer format
   */
  public static DvsSnapshot fromFile(byte[] file) {
    if (file.length < MAGIC.length
        || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw SwitchplaneException.invalid(
          "not a Switchplane snapshot file (it does not start with %s);"
              + " export one with 'switchplane snapshot export'",
          MAGIC_TEXT);
    }
    DvsSnapshot snapshot;
    try {
      snapshot = DvsSnapshot.parseFrom(Arrays.copyOfRange(file, MAGIC.length, file.length));
    } catch (InvalidProtocolBufferException e) {
      throw SwitchplaneException.invalid(
          "the snapshot file is truncated or corrupted (%s)", e.getMessage());
    }
    open(snapshot);
    return snapshot;
  }

  /** "sha256:" and the hex SHA-256 of bytes. */
  public static String checksum(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
