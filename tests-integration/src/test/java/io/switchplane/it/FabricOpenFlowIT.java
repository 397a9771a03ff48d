package io.switchplane.it;

import io.switchplane.agent.backend.OvsBackend;

/** {@link FabricIT} with the VLANs as OpenFlow flows (the ovs-openflow backend). */
class FabricOpenFlowIT extends FabricIT {
  @Override
  String backend() {
    return OvsBackend.OPENFLOW_NAME;
  }
}
