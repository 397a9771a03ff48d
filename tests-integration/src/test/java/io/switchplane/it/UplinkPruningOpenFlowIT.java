package io.switchplane.it;

import io.switchplane.agent.backend.OvsBackend;

/** {@link UplinkPruningIT} with the VLANs as OpenFlow flows (the ovs-openflow backend). */
class UplinkPruningOpenFlowIT extends UplinkPruningIT {
  @Override
  String backend() {
    return OvsBackend.OPENFLOW_NAME;
  }
}
