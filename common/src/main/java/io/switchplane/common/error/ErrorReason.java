package io.switchplane.common.error;

/**
 * Why a server refused, where the caller must act on the why and not only on the code: sent as a
 * {@code google.rpc.ErrorInfo} (reason = the constant's name, domain {@link #DOMAIN}) beside the
 * status, so that no component decides anything by reading another's message text.
 */
public enum ErrorReason {
  /**
   * A generation applied on the agent waits for its confirm; another apply must wait or supersede
   * it.
   */
  AWAITING_CONFIRM,
  /** The agent holds a newer generation of the DVS than the one sent, and keeps it. */
  HOLDS_NEWER_GENERATION,
  /** The manager answers, but the host's agent it had to ask could not be reached. */
  AGENT_UNREACHABLE,
  /** A port group's logical network id is the manager's to make and never changes. */
  LOGICAL_NETWORK_ID_IMMUTABLE,

  /**
   * The port group is owned by a network manager (or, for a network manager, is not its own): only
   * its owner changes or withdraws it. The message names the owner.
   */
  NETWORK_OWNED,

  /**
   * The push (or ZooKeeper write) came from a DVS owner whose epoch is older than one already seen
   * for that DVS: another manager owns it now, and the sender must stop.
   */
  STALE_OWNER_EPOCH,

  /**
   * This manager does not own the DVS written to (ownership moved or is moving); the write changed
   * nothing and may be sent to the owner, or retried. FAILED_PRECONDITION: another live manager
   * owns it, named in the metadata ({@link #OWNER_ID}, {@link #OWNER_ENDPOINT}: send it there);
   * UNAVAILABLE: ownership is moving, retry shortly.
   */
  NOT_DVS_OWNER,

  /**
   * A VMkernel port's address lies in no IP subnet reachable from its port group, or is one no NIC
   * may hold there (the gateway, the network's own address). FAILED_PRECONDITION.
   */
  VMK_ADDRESS_OUTSIDE_SUBNET,

  /** A VMkernel port's prefix length is not its subnet's. INVALID_ARGUMENT. */
  VMK_ADDRESS_PREFIX_MISMATCH,

  /** A VMkernel port's address is held by another NIC record. ALREADY_EXISTS. */
  VMK_ADDRESS_TAKEN,

  /**
   * An address held by a VMkernel port cannot be released on its own: delete the port or change its
   * address. FAILED_PRECONDITION.
   */
  VMK_ADDRESS_HELD_BY_PORT;

  /** ErrorInfo metadata key of {@link #NOT_DVS_OWNER}: the owning manager's id. */
  public static final String OWNER_ID = "owner_id";

  /** ErrorInfo metadata key of {@link #NOT_DVS_OWNER}: the owner's operator endpoint host:port. */
  public static final String OWNER_ENDPOINT = "owner_endpoint";

  /** The ErrorInfo domain of Switchplane's reasons. */
  public static final String DOMAIN = "switchplane.io";
}
