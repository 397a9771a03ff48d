package io.switchplane.cli.output;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Protobuf messages as JSON (proto3 JSON mapping, lowerCamelCase field names). */
public final class Json {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().includingDefaultValueFields();

  private Json() {}

  public static String print(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(
          new IOException("cannot print " + message.getClass().getSimpleName(), e));
    }
  }
}
