package io.switchplane.cli.run;

import io.switchplane.common.error.SwitchplaneException;

/** A host:port pair as typed on the command line. */
public record Endpoint(String host, int port) {
  public static Endpoint parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw SwitchplaneException.invalid("'%s' is not HOST:PORT, e.g. 127.0.0.1:7400", text);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new Endpoint(text.substring(0, colon), port);
    } catch (NumberFormatException e) {
      throw SwitchplaneException.invalid("'%s' has no valid port (0-65535)", text);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
