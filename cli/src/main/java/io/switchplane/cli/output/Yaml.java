package io.switchplane.cli.output;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.MessageOrBuilder;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Protobuf messages as YAML: the tree of their JSON mapping ({@link Json}) in block style. Short on
 * purpose (no YAML library is on the classpath): a string that could read as anything but itself (a
 * number, a boolean, null, YAML syntax) is written as a JSON string, which YAML reads the same.
 */
public final class Yaml {
  /**
   * Strings that may be written bare: a letter, _ or / first, no YAML indicator (# & * ! | > etc.).
   */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/][A-Za-z0-9_ ./:@()+,=-]*");

  /** ...unless they read as something else: a boolean, null, a key (": "), or end in space. */
  private static final Pattern SPECIAL =
      Pattern.compile("(?i)(true|false|yes|no|on|off|y|n|null|~|\\.inf|\\.nan)|.*:(\\s.*)?|.*\\s");

  private Yaml() {}

  public static String print(MessageOrBuilder message) {
    StringBuilder out = new StringBuilder();
    JsonElement tree = JsonParser.parseString(Json.print(message));
    if (tree.isJsonObject() && tree.getAsJsonObject().size() == 0) {
      return "{}";
    }
    block(tree, 0, out);
    return out.toString().stripTrailing();
  }

  /** element (an object or array) as lines at indent. */
  private static void block(JsonElement element, int indent, StringBuilder out) {
    String pad = " ".repeat(indent);
    if (element.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : element.getAsJsonObject().entrySet()) {
        out.append(pad).append(scalar(new JsonPrimitive(e.getKey()))).append(':');
        value(e.getValue(), indent + 2, out);
      }
    } else {
      for (JsonElement item : element.getAsJsonArray()) {
        out.append(pad).append('-');
        if (item.isJsonObject() && item.getAsJsonObject().size() > 0) {
          // The first field on the dash's line, the others under it.
          StringBuilder nested = new StringBuilder();
          block(item, indent + 2, nested);
          out.append(' ').append(nested.substring(indent + 2));
        } else {
          value(item, indent + 2, out);
        }
      }
    }
  }

  /** What follows "key:" or "-": a scalar or empty collection on the line, else a block below. */
  private static void value(JsonElement v, int indent, StringBuilder out) {
    if (v.isJsonObject() && v.getAsJsonObject().size() == 0) {
      out.append(" {}\n");
    } else if (v.isJsonArray() && v.getAsJsonArray().isEmpty()) {
      out.append(" []\n");
    } else if (v.isJsonObject() || v.isJsonArray()) {
      out.append('\n');
      block(v, indent, out);
    } else {
      out.append(' ').append(v.isJsonNull() ? "null" : scalar(v.getAsJsonPrimitive())).append('\n');
    }
  }

  private static String scalar(JsonPrimitive p) {
    if (!p.isString()) {
      return p.toString(); // a number or boolean
    }
    String s = p.getAsString();
    return PLAIN.matcher(s).matches() && !SPECIAL.matcher(s).matches() ? s : p.toString();
  }
}
