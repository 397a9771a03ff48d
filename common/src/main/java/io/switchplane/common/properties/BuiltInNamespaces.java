package io.switchplane.common.properties;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.PropertyNamespace;
import java.util.List;

/**
 * Namespaces of the modules Switchplane ships, under the reserved prefix {@value
 * PropertyRules#RESERVED_PREFIX}: the manager registers them itself, applications cannot.
 */
public final class BuiltInNamespaces {
  /** Per-port ingress rate limits (the qos module): keys rate-kbps and burst-kb, ASCII decimal. */
  public static final String QOS = "io.switchplane.qos";

  /**
   * IPAM on a VM NIC port: key addresses, the NIC records' addresses (comma-separated, sorted),
   * written by the manager's NIC-record sync; agents store it, no module acts on it.
   */
  public static final String IPAM = "io.switchplane.ipam";

  public static final List<PropertyNamespace> ALL =
      List.of(
          PropertyNamespace.newBuilder()
              .setName(QOS)
              .setOwner("switchplane")
              .setDescription(
                  "ingress rate limit per port: rate-kbps, burst-kb (decimal text); "
                      + "OVS ingress policing on the ovs backend, a recorded limit on the others")
              .build(),
          PropertyNamespace.newBuilder()
              .setName(IPAM)
              .setOwner("switchplane")
              .setDescription(
                  "a VM NIC port's recorded addresses: addresses (comma-separated), written by"
                      + " the manager's NIC-record sync")
              .build());

  private BuiltInNamespaces() {}

  /**
   * INVALID_ARGUMENT when namespace is one of ours and the value is not one its module takes, so
   * that a bad value is refused before it is committed rather than failing every host it reaches.
   * Other namespaces' values are opaque.
   */
  public static void validateValue(String namespace, String key, ByteString value) {
    if (namespace.equals(QOS)) {
      QosValues.validate(key, value);
    }
  }
}
