package io.switchplane.cli.ops;

import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.FieldValue;
import java.util.List;

/**
 * Entity changes (a log record's, a snapshot diff's, a dry run's) as lines: a mark and the entity
 * ("+ port p7", "~ port-group web", "- port p2"), then each changed field with its value before and
 * after ("policy.vlan: value { access_id: 100 } -> value { access_id: 200 }").
 */
final class EntityChanges {
  private EntityChanges() {}

  /** Prints changes, each line after indent. */
  static void print(List<EntityChange> changes, String indent) {
    for (EntityChange e : changes) {
      String mark =
          switch (e.getKind()) {
            case KIND_ADDED -> "+";
            case KIND_REMOVED -> "-";
            default -> "~";
          };
      System.out.println(indent + mark + " " + e.getEntity() + " " + e.getName());
      for (FieldValue v : e.getValuesList()) {
        if (v.getField().isEmpty()) {
          System.out.println(
              indent + "    " + (v.getAfter().isEmpty() ? v.getBefore() : v.getAfter()));
        } else {
          System.out.println(
              indent
                  + "    "
                  + v.getField()
                  + ": "
                  + show(v.getBefore())
                  + " -> "
                  + show(v.getAfter()));
        }
      }
    }
  }

  private static String show(String value) {
    return value.isEmpty() ? "(unset)" : value;
  }
}
