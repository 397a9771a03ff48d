package io.switchplane.cli;

import io.grpc.Status;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.StatusMapping;

/**
 * The CLI's exit codes, one per class of outcome, so that a script can tell "not there" from "there
 * already" from "not now" without reading messages. The table in README's CLI section is this
 * class.
 */
public final class ExitCode {
  public static final int OK = 0;

  /** Anything else: an internal error, an unexpected failure. */
  public static final int FAILED = 1;

  /** The command line or a value in it is wrong (also INVALID_ARGUMENT, OUT_OF_RANGE). */
  public static final int USAGE = 2;

  public static final int NOT_FOUND = 3;
  public static final int ALREADY_EXISTS = 4;

  /**
   * The state forbids it now (FAILED_PRECONDITION), a concurrent change won or a change set was
   * aborted (ABORTED), or a limit was reached (RESOURCE_EXHAUSTED).
   */
  public static final int REFUSED = 5;

  /** No answer: UNAVAILABLE, DEADLINE_EXCEEDED, or a host or manager that could not be reached. */
  public static final int UNAVAILABLE = 6;

  /** UNAUTHENTICATED or PERMISSION_DENIED. */
  public static final int DENIED = 7;

  /** --wait or --until-in-sync: a host was not in sync by --timeout (failed or still behind). */
  public static final int NOT_IN_SYNC = 8;

  private ExitCode() {}

  public static int of(Status.Code code) {
    return switch (code) {
      case OK -> OK;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> USAGE;
      case NOT_FOUND -> NOT_FOUND;
      case ALREADY_EXISTS -> ALREADY_EXISTS;
      case FAILED_PRECONDITION, ABORTED, RESOURCE_EXHAUSTED -> REFUSED;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE;
      case UNAUTHENTICATED, PERMISSION_DENIED -> DENIED;
      case CANCELLED, UNKNOWN, UNIMPLEMENTED, INTERNAL, DATA_LOSS -> FAILED;
    };
  }

  public static int of(ErrorCode code) {
    return of(StatusMapping.statusOf(code).getCode());
  }
}
