package io.switchplane.manager.changeset;

import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;

/** One entity znode a change set writes, besides the DVS record itself. */
public sealed interface EntityWrite {
  /** Creates (created = true) or replaces a port group. */
  record PutPortGroup(PortGroup portGroup, boolean created) implements EntityWrite {}

  /** Deletes a port group by id. */
  record DeletePortGroup(String portGroupId) implements EntityWrite {}

  /** Creates (created = true) or replaces a port. */
  record PutPort(Port port, boolean created) implements EntityWrite {}

  /** Deletes a port by key. */
  record DeletePort(String key) implements EntityWrite {}
}
