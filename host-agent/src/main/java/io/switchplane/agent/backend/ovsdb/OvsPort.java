package io.switchplane.agent.backend.ovsdb;

import java.util.List;
import java.util.Map;

/**
 * One row of the Port table as ovsdb-server holds it, with what the ovs backend reads of its
 * (first) interface: the VLAN columns, external ids, the MTU request, and which interface it is.
 *
 * @param tag 0 when the column is empty
 * @param mtuRequest 0 when the interface has none
 * @param interfaceName the interface's name ("" when the port has none): for a system interface,
 *     the host's network device
 * @param interfaceType the interface's type column: "" for a system interface (a device the host
 *     has), "internal" for a port OVS made
 * @param ofport the interface's OpenFlow port number (0 before ovs-vswitchd gave it one, -1 when it
 *     could not)
 * @param ofportRequest the number asked for (0 for none)
 */
public record OvsPort(
    String uuid,
    String name,
    String interfaceUuid,
    int tag,
    List<Integer> trunks,
    Map<String, String> externalIds,
    int mtuRequest,
    String interfaceName,
    String interfaceType,
    int ofport,
    int ofportRequest) {

  /** Whether the interface is a device of the host (a NIC), not one OVS made. */
  public boolean systemInterface() {
    return interfaceType.isEmpty() || "system".equals(interfaceType);
  }
}
