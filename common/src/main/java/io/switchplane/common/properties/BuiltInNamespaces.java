package io.switchplane.common.properties;

import io.switchplane.api.v1.PropertyNamespace;
import java.util.List;

/**
 * Namespaces of the modules Switchplane ships, under the reserved prefix
 * {@value PropertyRules#RESERVED_PREFIX}: the manager registers them itself, applications cannot.
 */
public final class BuiltInNamespaces {
  /** Per-port ingress rate limits (the qos module): keys rate-kbps and burst-kb, ASCII decimal. */
  public static final String QOS = "io.switchplane.qos";

  public static final List<PropertyNamespace> ALL = List.of(PropertyNamespace.newBuilder().setName(QOS)
      .setOwner("switchplane").setDescription("ingress rate limit per port: rate-kbps, burst-kb (decimal text); "
          + "OVS ingress policing on the ovs backend, a recorded limit on the others").build());

  private BuiltInNamespaces() {}
}
