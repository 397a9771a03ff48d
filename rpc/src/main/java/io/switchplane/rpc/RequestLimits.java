package io.switchplane.rpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;

/**
 * The input policy every request of both servers passes before a service sees it, whatever its
 * type: no string longer than {@link #MAX_STRING} characters ({@link #MAX_TEXT} for the free-text
 * fields in {@link #TEXT_FIELDS}, INVALID_ARGUMENT), and no unsigned number of the request's own
 * that Java would read as negative (a {@code uint64} of 2^63 or more, a {@code uint32} of 2^31 or
 * more: OUT_OF_RANGE).
 *
 * <p>Identifiers (ids, names, keys, endpoints) are far shorter than the limit, so a longer string
 * is refused here before it becomes a ZooKeeper path (a path over ZooKeeper's packet limit drops
 * the manager's session), a RocksDB key or a quoted message. The walk only descends into values
 * whose serialized size could hold an over-long string, so a large valid request (an agent's {@code
 * Apply} with thousands of ports) costs a size check per message, not a reflective read of every
 * field.
 */
public final class RequestLimits {
  /** The most characters of any string field that is not free text. */
  public static final int MAX_STRING = 1024;

  /** The most characters of a free-text field. */
  public static final int MAX_TEXT = 64 * 1024;

  /** Fields that hold text written for people or documents, by field name. */
  static final Set<String> TEXT_FIELDS =
      Set.of("description", "comment", "note", "certificate_pem", "trust_store");

  private RequestLimits() {}

  /** The refusal of request, or empty when it keeps the limits. */
  public static Optional<Status> violation(Message request) {
    return check(request, "", true);
  }

  /**
   * singular: m is reached from the request through singular fields only, where its own numbers
   * (generations, timeouts) are; numbers inside repeated model entries are the model validator's to
   * range-check, so large valid requests are not walked field by field.
   */
  private static Optional<Status> check(Message m, String path, boolean singular) {
    boolean strings = m.getSerializedSize() > MAX_STRING;
    if (!strings && !singular) {
      return Optional.empty();
    }
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      Optional<Status> v = Optional.empty();
      if (f.isRepeated()) {
        int n = strings ? m.getRepeatedFieldCount(f) : 0;
        for (int i = 0; i < n && v.isEmpty(); i++) {
          Object value = m.getRepeatedField(f, i);
          // The path is spelled only for a value that may break a limit: an Apply's ports are
          // mostly small messages, and naming each cost more than looking at it.
          if (mayBreak(f, value, false)) {
            v = checkValue(f, value, path + f.getName() + "[" + i + "]", false);
          }
        }
      } else if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || m.hasField(f)) {
        Object value = m.getField(f);
        if (mayBreak(f, value, singular)) {
          v = checkValue(f, value, path + f.getName(), singular);
        }
      }
      if (v.isPresent()) {
        return v;
      }
    }
    return Optional.empty();
  }

  /** Whether {@link #checkValue} could find anything in value (a cheap test, no path made). */
  private static boolean mayBreak(FieldDescriptor f, Object value, boolean singular) {
    return switch (f.getType()) {
      case STRING -> ((String) value).length() > MAX_STRING;
      case UINT64, FIXED64 -> singular && (Long) value < 0;
      case UINT32, FIXED32 -> singular && (Integer) value < 0;
      case MESSAGE, GROUP -> singular || ((Message) value).getSerializedSize() > MAX_STRING;
      default -> false;
    };
  }

  private static Optional<Status> checkValue(
      FieldDescriptor f, Object value, String where, boolean singular) {
    switch (f.getType()) {
      case STRING -> {
        int limit = TEXT_FIELDS.contains(f.getName()) ? MAX_TEXT : MAX_STRING;
        int length = ((String) value).length();
        if (length > limit) {
          return Optional.of(
              Status.INVALID_ARGUMENT.withDescription(
                  String.format("%s has %d characters, the limit is %d", where, length, limit)));
        }
      }
      case UINT64, FIXED64 -> {
        if (singular && (Long) value < 0) {
          return Optional.of(
              Status.OUT_OF_RANGE.withDescription(
                  String.format(
                      "%s is %s, the limit is %d",
                      where, Long.toUnsignedString((Long) value), Long.MAX_VALUE)));
        }
      }
      case UINT32, FIXED32 -> {
        if (singular && (Integer) value < 0) {
          return Optional.of(
              Status.OUT_OF_RANGE.withDescription(
                  String.format(
                      "%s is %s, the limit is %d",
                      where, Integer.toUnsignedString((Integer) value), Integer.MAX_VALUE)));
        }
      }
      case MESSAGE, GROUP -> {
        return check((Message) value, where + ".", singular);
      }
      default -> {
        // other scalars have no range of their own to check here
      }
    }
    return Optional.empty();
  }
}
