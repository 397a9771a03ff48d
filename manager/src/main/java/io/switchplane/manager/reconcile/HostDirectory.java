package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.Host;
import java.util.Optional;

/** Where the push side learns a host's name and agent endpoint. */
public interface HostDirectory {
  /** The registered host with this id, if any. */
  Optional<Host> host(String hostId);
}
