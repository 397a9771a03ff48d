package io.switchplane.cli.output;

/**
 * How verbs print: a table for people (wide: with the columns that are ids and details), JSON or
 * YAML for programs (the proto3 JSON mapping, the same fields either way).
 */
public enum OutputFormat {
  table,
  wide,
  json,
  yaml;

  /** JSON or YAML: the response as data, not a table. */
  public boolean data() {
    return this == json || this == yaml;
  }

  /** message in this format (json or yaml). */
  public String render(com.google.protobuf.MessageOrBuilder message) {
    return this == yaml ? Yaml.print(message) : Json.print(message);
  }
}
