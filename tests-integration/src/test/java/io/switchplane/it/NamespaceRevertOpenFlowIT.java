package io.switchplane.it;

import io.switchplane.agent.backend.OvsBackend;

/** {@link NamespaceRevertIT} with the VLANs as OpenFlow flows (the ovs-openflow backend). */
class NamespaceRevertOpenFlowIT extends NamespaceRevertIT {
  @Override
  String backend() {
    return OvsBackend.OPENFLOW_NAME;
  }
}
