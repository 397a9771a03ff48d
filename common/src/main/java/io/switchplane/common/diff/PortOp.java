package io.switchplane.common.diff;

import io.switchplane.api.v1.EffectivePort;
import java.util.Objects;

/**
 * One operation on a host switch. {@code before} is absent for an add, {@code after} for a remove;
 * both are kept so that any operation can be undone by its {@link #inverse()}.
 */
public record PortOp(Kind kind, String key, EffectivePort before, EffectivePort after) {
  /** What the operation does to the port. */
  public enum Kind {
    ADD,
    UPDATE,
    REMOVE
  }

  public PortOp {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    if ((kind == Kind.ADD) != (before == null) || (kind == Kind.REMOVE) != (after == null)) {
      throw new IllegalArgumentException("inconsistent " + kind + " of port " + key);
    }
  }

  public static PortOp add(EffectivePort after) {
    return new PortOp(Kind.ADD, after.getKey(), null, after);
  }

  public static PortOp update(EffectivePort before, EffectivePort after) {
    return new PortOp(Kind.UPDATE, after.getKey(), before, after);
  }

  public static PortOp remove(EffectivePort before) {
    return new PortOp(Kind.REMOVE, before.getKey(), before, null);
  }

  /** The operation that takes the switch back to where it was before this one. */
  public PortOp inverse() {
    return switch (kind) {
      case ADD -> remove(after);
      case UPDATE -> update(after, before);
      case REMOVE -> add(before);
    };
  }

  @Override
  public String toString() {
    return kind + " " + key;
  }
}
