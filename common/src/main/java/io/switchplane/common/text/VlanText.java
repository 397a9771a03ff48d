package io.switchplane.common.text;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.Untagged;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanTrunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text form of a VLAN, shared by the CLI and tables: {@code none}, {@code 100} (access), {@code
 * trunk:10-20,30} (trunk ranges).
 */
public final class VlanText {
  private VlanText() {}

  public static Vlan parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("none") || t.equals("untagged")) {
      return Vlan.newBuilder().setUntagged(Untagged.getDefaultInstance()).build();
    }
    if (t.startsWith("trunk:")) {
      VlanTrunk.Builder trunk = VlanTrunk.newBuilder();
      for (String part : t.substring("trunk:".length()).split(",")) {
        String[] ends = part.trim().split("-", 2);
        int first = number(ends[0], text);
        int last = ends.length == 2 ? number(ends[1], text) : first;
        trunk.addRanges(VlanRange.newBuilder().setFirst(first).setLast(last));
      }
      return Vlan.newBuilder().setTrunk(trunk).build();
    }
    return Vlan.newBuilder().setAccessId(number(t, text)).build();
  }

  public static String format(Vlan vlan) {
    return switch (vlan.getModeCase()) {
      case UNTAGGED, MODE_NOT_SET -> "none";
      case ACCESS_ID -> Integer.toString(vlan.getAccessId());
      case TRUNK -> {
        List<String> parts = new ArrayList<>();
        for (VlanRange r : vlan.getTrunk().getRangesList()) {
          parts.add(
              r.getFirst() == r.getLast()
                  ? Integer.toString(r.getFirst())
                  : r.getFirst() + "-" + r.getLast());
        }
        yield "trunk:" + String.join(",", parts);
      }
    };
  }

  private static int number(String s, String whole) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw invalid(
          "VLAN '%s' is not understood: use none, an id such as 100, or trunk:10-20,30", whole);
    }
  }
}
