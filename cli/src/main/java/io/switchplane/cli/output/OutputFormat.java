package io.switchplane.cli.output;

/** How read commands print: a table for people, JSON for programs. */
public enum OutputFormat {
  table,
  json
}
