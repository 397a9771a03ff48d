package io.switchplane.agent.backend.ovsdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OVSDB's JSON notation of values (RFC 7047 section 5.1): an atom is a JSON scalar or {@code
 * ["uuid", U]} / {@code ["named-uuid", N]}; a set is one atom or {@code ["set", [...]]}; a map is
 * {@code ["map", [[k, v], ...]]}.
 */
final class OvsdbValues {
  private OvsdbValues() {}

  static JsonArray uuid(String uuid) {
    return pair("uuid", new JsonPrimitive(uuid));
  }

  /** A row inserted earlier in the same transaction, by the uuid-name given to its insert. */
  static JsonArray namedUuid(String name) {
    return pair("named-uuid", new JsonPrimitive(name));
  }

  static JsonArray set(Collection<? extends JsonElement> atoms) {
    JsonArray values = new JsonArray();
    atoms.forEach(values::add);
    return pair("set", values);
  }

  static JsonArray emptySet() {
    return set(List.of());
  }

  static JsonArray intSet(Collection<Integer> ints) {
    List<JsonPrimitive> atoms = new ArrayList<>();
    ints.forEach(i -> atoms.add(new JsonPrimitive(i)));
    return set(atoms);
  }

  static JsonArray map(Map<String, String> entries) {
    JsonArray pairs = new JsonArray();
    entries.forEach(
        (k, v) -> {
          JsonArray kv = new JsonArray();
          kv.add(k);
          kv.add(v);
          pairs.add(kv);
        });
    return pair("map", pairs);
  }

  private static JsonArray pair(String tag, JsonElement value) {
    JsonArray a = new JsonArray();
    a.add(tag);
    a.add(value);
    return a;
  }

  /** The atoms of a set value (a bare atom is a set of one). */
  static List<JsonElement> atoms(JsonElement value) {
    List<JsonElement> out = new ArrayList<>();
    if (value == null || value.isJsonNull()) {
      return out;
    }
    if (value.isJsonArray() && "set".equals(value.getAsJsonArray().get(0).getAsString())) {
      value.getAsJsonArray().get(1).getAsJsonArray().forEach(out::add);
    } else {
      out.add(value);
    }
    return out;
  }

  /** An optional integer column (a set of at most one): its value, or 0 when empty. */
  static int intOrZero(JsonElement value) {
    List<JsonElement> atoms = atoms(value);
    return atoms.isEmpty() ? 0 : atoms.get(0).getAsInt();
  }

  /** An optional string column: its value, or "" when empty. */
  static String stringOrEmpty(JsonElement value) {
    List<JsonElement> atoms = atoms(value);
    return atoms.isEmpty() ? "" : atoms.get(0).getAsString();
  }

  /** A set of integers, sorted. */
  static List<Integer> ints(JsonElement value) {
    List<Integer> out = new ArrayList<>();
    atoms(value).forEach(a -> out.add(a.getAsInt()));
    out.sort(Integer::compare);
    return out;
  }

  /** A set of uuids (["uuid", U] atoms): the U's. */
  static List<String> uuids(JsonElement value) {
    List<String> out = new ArrayList<>();
    atoms(value).forEach(a -> out.add(a.getAsJsonArray().get(1).getAsString()));
    return out;
  }

  /** A string-to-string map. */
  static Map<String, String> stringMap(JsonElement value) {
    Map<String, String> out = new HashMap<>();
    if (value != null && value.isJsonArray()) {
      for (JsonElement kv : value.getAsJsonArray().get(1).getAsJsonArray()) {
        out.put(kv.getAsJsonArray().get(0).getAsString(), kv.getAsJsonArray().get(1).getAsString());
      }
    }
    return out;
  }
}
