package io.switchplane.manager.changeset;

import io.switchplane.api.v1.Host;
import java.util.Optional;

/** How the planner finds registered hosts: by id first, then by name. */
@FunctionalInterface
public interface HostLookup {
  /** The registered host with this id or, failing that, this name. */
  Optional<Host> find(String idOrName);
}
