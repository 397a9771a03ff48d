package io.switchplane.it;

import io.switchplane.agent.backend.OvsBackend;

/** {@link MigrationOvsIT} with the VLANs as OpenFlow flows (the ovs-openflow backend). */
class MigrationOvsOpenFlowIT extends MigrationOvsIT {
  @Override
  String backend() {
    return OvsBackend.OPENFLOW_NAME;
  }
}
