package io.switchplane.agent.backend.ovsdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The operations of one OVSDB "transact" (RFC 7047 section 5.2), built up before anything is sent:
 * the server applies all of them or none. Rows inserted in the same transaction are referred to by
 * uuid-name; rows that exist by their uuid, guarded by a "wait" that aborts the whole transaction
 * if the row is gone or renamed by the time it runs (an update of a missing row would otherwise
 * succeed by changing nothing).
 */
public final class OvsdbTransaction {
  /**
   * A row: one that exists (its uuid) or one inserted earlier in this transaction (its uuid-name).
   */
  public record Ref(JsonArray json) {}

  private final JsonArray ops = new JsonArray();
  private int names;

  public static Ref existing(String uuid) {
    return new Ref(OvsdbValues.uuid(uuid));
  }

  /** Inserts a row into table; returns the reference other operations of this transaction use. */
  public Ref insert(String table, JsonObject row) {
    String name = "row" + (++names);
    JsonObject op = op("insert", table);
    op.add("row", row);
    op.addProperty("uuid-name", name);
    ops.add(op);
    return new Ref(OvsdbValues.namedUuid(name));
  }

  /** Aborts the transaction unless the row of uuid exists with this name. */
  public void expectNamed(String table, String uuid, String name) {
    JsonObject op = op("wait", table);
    op.add("where", whereUuid(existing(uuid)));
    op.add("columns", strings(List.of("name")));
    op.addProperty("until", "==");
    JsonObject row = new JsonObject();
    row.addProperty("name", name);
    JsonArray rows = new JsonArray();
    rows.add(row);
    op.add("rows", rows);
    op.addProperty("timeout", 0);
    ops.add(op);
  }

  /** Sets columns of an existing row. */
  public void update(String table, Ref row, JsonObject columns) {
    JsonObject op = op("update", table);
    op.add("where", whereUuid(row));
    op.add("row", columns);
    ops.add(op);
  }

  /** Adds rows to a set column of uuids (e.g. a bridge's ports). */
  public void addToSet(String table, Ref row, String column, Collection<Ref> members) {
    mutate(table, row, List.of(mutation(column, "insert", refSet(members))));
  }

  /** Removes rows from a set column of uuids. */
  public void removeFromSet(String table, Ref row, String column, Collection<Ref> members) {
    mutate(table, row, List.of(mutation(column, "delete", refSet(members))));
  }

  /**
   * Sets keys of a map column, keeping its other keys (delete those keys, then insert the pairs).
   */
  public void putAll(String table, Ref row, String column, Map<String, String> entries) {
    List<JsonPrimitive> keys = new ArrayList<>();
    entries.keySet().forEach(k -> keys.add(new JsonPrimitive(k)));
    mutate(
        table,
        row,
        List.of(
            mutation(column, "delete", OvsdbValues.set(keys)),
            mutation(column, "insert", OvsdbValues.map(entries))));
  }

  /** Whether no operation was added. */
  public boolean isEmpty() {
    return ops.isEmpty();
  }

  /** The operations, in order. */
  JsonArray ops() {
    return ops.deepCopy();
  }

  private void mutate(String table, Ref row, List<JsonArray> mutations) {
    JsonObject op = op("mutate", table);
    op.add("where", whereUuid(row));
    JsonArray m = new JsonArray();
    mutations.forEach(m::add);
    op.add("mutations", m);
    ops.add(op);
  }

  private static JsonArray mutation(String column, String mutator, JsonElement value) {
    JsonArray m = new JsonArray();
    m.add(column);
    m.add(mutator);
    m.add(value);
    return m;
  }

  private static JsonArray refSet(Collection<Ref> refs) {
    List<JsonElement> atoms = new ArrayList<>();
    refs.forEach(r -> atoms.add(r.json()));
    return OvsdbValues.set(atoms);
  }

  private static JsonArray whereUuid(Ref row) {
    JsonArray cond = new JsonArray();
    cond.add("_uuid");
    cond.add("==");
    cond.add(row.json());
    JsonArray where = new JsonArray();
    where.add(cond);
    return where;
  }

  static JsonObject op(String name, String table) {
    JsonObject op = new JsonObject();
    op.addProperty("op", name);
    op.addProperty("table", table);
    return op;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  // Column values, in OVSDB's notation, for the rows passed to insert and update.

  /** A set of rows (e.g. a port's interfaces). */
  public static JsonElement refs(Collection<Ref> refs) {
    return refSet(refs);
  }

  /** An empty set: clears an optional column (tag, vlan_mode) or a set column (trunks). */
  public static JsonElement empty() {
    return OvsdbValues.emptySet();
  }

  public static JsonElement ints(Collection<Integer> ints) {
    return OvsdbValues.intSet(ints);
  }

  public static JsonElement map(Map<String, String> entries) {
    return OvsdbValues.map(entries);
  }
}
