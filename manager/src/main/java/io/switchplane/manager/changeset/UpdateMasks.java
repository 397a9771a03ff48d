package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import java.util.List;

/**
 * The update_mask of an update op: which fields of the settings it takes, the rest staying as they
 * are (a partial update). A path names a field of the settings message, nested with '.'; a named
 * field the settings leave unset is cleared, like a replace would. Only the fields an update may
 * change are allowed at the top: ids, keys, properties (property ops) and members (member ops) are
 * not.
 */
final class UpdateMasks {
  /** Top-level fields an update_port_group mask may name. */
  static final List<String> PORT_GROUP =
      List.of(
          "name", "binding", "num_ports", "auto_expand", "policy", "description", "allow_moves");

  /** Top-level fields an update_port mask may name. */
  static final List<String> PORT =
      List.of("port_group_id", "host_id", "connectee", "policy", "description");

  /** Top-level fields an update_dvs mask may name. */
  static final List<String> DVS =
      List.of("name", "uplinks", "mtu", "default_policy", "description");

  private static final FieldMaskUtil.MergeOptions REPLACE =
      new FieldMaskUtil.MergeOptions()
          .setReplaceMessageFields(true)
          .setReplaceRepeatedFields(true)
          .setReplacePrimitiveFields(true);

  private UpdateMasks() {}

  /**
   * current with the fields mask names taken from settings (settings null: every named field is
   * cleared). INVALID_ARGUMENT naming the first path that is not a field of the message or not one
   * of allowed at its top.
   */
  @SuppressWarnings("unchecked")
  static <M extends Message> M apply(
      M current, M settings, FieldMask mask, List<String> allowed, String what) {
    if (mask.getPathsCount() == 0) {
      throw invalid("update_mask of a %s names no field", what);
    }
    for (String path : mask.getPathsList()) {
      String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
      if (!allowed.contains(top) || !FieldMaskUtil.isValid(current.getDescriptorForType(), path)) {
        throw invalid(
            "update_mask path '%s' is not an updatable field of a %s; use %s (nested with '.', e.g."
                + " policy.vlan)",
            path, what, String.join(", ", allowed));
      }
    }
    Message source = settings != null ? settings : current.getDefaultInstanceForType();
    Message.Builder merged = current.toBuilder();
    FieldMaskUtil.merge(mask, source, merged, REPLACE);
    return (M) merged.build();
  }
}
