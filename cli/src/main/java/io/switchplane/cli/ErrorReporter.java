package io.switchplane.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.cli.ops.ManagerCommand;
import io.switchplane.cli.ops.SyncWait;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures of a command into one line on stderr and the {@link ExitCode} of its class: the
 * manager's status code and message, with a hint where one helps. Unexpected failures keep their
 * stack trace.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    if (ex instanceof StatusRuntimeException sre) {
      Status status = sre.getStatus();
      String message = status.getDescription() == null ? "" : ": " + status.getDescription();
      cmd.getErr().println("error: " + status.getCode() + message);
      javax.net.ssl.SSLException tls = tlsFailure(sre);
      String where = cmd.getCommand() instanceof ManagerCommand mc ? mc.endpoint() : "the manager";
      if (StatusMapping.reason(sre).equals(Optional.of(ErrorReason.AGENT_UNREACHABLE))) {
        cmd.getErr()
            .println(
                "hint: the manager answered; the host's agent did not. Is 'switchplane agent' running on"
                    + " that host, and can the manager reach it? ('switchplane status' shows each host's state.)");
      } else if (tls != null) {
        cmd.getErr()
            .println(
                "hint: the TLS handshake with "
                    + where
                    + " failed ("
                    + tls.getMessage()
                    + "): is --ca "
                    + "(or $SWITCHPLANE_CA, or what 'login' kept) that manager's cluster CA, and a --cert of that CA? A "
                    + "manager run with --insecure-plaintext needs --insecure-plaintext.");
      } else if (status.getCode() == Status.Code.UNAVAILABLE
          || status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        cmd.getErr()
            .println(
                "hint: is a manager running at "
                    + where
                    + "? Start one with 'switchplane up', or point --manager / SWITCHPLANE_MANAGER at it.");
      }
      return ExitCode.of(status.getCode());
    }
    if (ex instanceof SwitchplaneException se) {
      cmd.getErr().println("error: " + se.code() + ": " + se.getMessage());
      return ExitCode.of(se.code());
    }
    if (ex instanceof SyncWait.NotInSync wait) {
      cmd.getErr().println("error: " + wait.getMessage());
      return ExitCode.NOT_IN_SYNC;
    }
    if (ex instanceof java.io.UncheckedIOException io) {
      cmd.getErr().println("error: " + io.getMessage()); // a port or a file: the message says which
      return ExitCode.FAILED;
    }
    cmd.getErr().println("error: unexpected failure, please report it:");
    ex.printStackTrace(cmd.getErr());
    return ExitCode.FAILED;
  }

  /** The TLS failure under a call's failure, if that is what it was. */
  private static javax.net.ssl.SSLException tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }
}
