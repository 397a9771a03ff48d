package io.switchplane.common.error;

/**
 * Why an operation failed, in the vocabulary of gRPC status codes (mapped in {@link
 * StatusMapping}).
 */
public enum ErrorCode {
  /** The request itself is wrong: a bad value, a malformed message. */
  INVALID_ARGUMENT,
  /** A referenced entity does not exist. */
  NOT_FOUND,
  /** The entity to create exists already (a duplicate name or key). */
  ALREADY_EXISTS,
  /**
   * The request is well formed but the current state forbids it (in use, not a member, too old).
   */
  FAILED_PRECONDITION,
  /** A limit was reached (too many keys, too many bytes); the message gives the numbers. */
  RESOURCE_EXHAUSTED,
  /** The caller may not do this (a reserved name). */
  PERMISSION_DENIED,
  /**
   * The caller did not prove who it is (no or a bad credential: an unknown, used or expired token).
   */
  UNAUTHENTICATED,
  /** A concurrent change won: the expected generation or version is stale. Retry on fresh state. */
  ABORTED,
  /** The service cannot serve this now (not the leader, a dependency is down). */
  UNAVAILABLE,
  /** A bug or an unexpected failure of a dependency. */
  INTERNAL
}
