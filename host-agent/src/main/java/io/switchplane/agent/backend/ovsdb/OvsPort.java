package io.switchplane.agent.backend.ovsdb;

import java.util.List;
import java.util.Map;

/**
 * One row of the Port table as ovsdb-server holds it, with what the ovs backend reads of its
 * (first) interface: the VLAN columns, external ids and the MTU request.
 *
 * @param tag 0 when the column is empty
 * @param mtuRequest 0 when the interface has none
 */
public record OvsPort(String uuid, String name, String interfaceUuid, int tag, List<Integer> trunks,
    Map<String, String> externalIds, int mtuRequest) {}
