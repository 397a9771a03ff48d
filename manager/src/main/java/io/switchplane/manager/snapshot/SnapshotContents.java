package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.manager.model.DvsConfig;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Converts between a DVS configuration and a snapshot's content (sorted, so equal configurations
 * give equal bytes).
 */
public final class SnapshotContents {
  private SnapshotContents() {}

  /** The content of config, with the registrations of its member hosts that hosts knows. */
  public static SnapshotContent of(DvsConfig config, Function<String, Optional<Host>> hosts) {
    SnapshotContent.Builder b = SnapshotContent.newBuilder().setDvs(config.dvs());
    config.portGroups().values().stream()
        .sorted(Comparator.comparing(PortGroup::getId))
        .forEach(b::addPortGroups);
    config.ports().values().stream()
        .sorted(Comparator.comparing(Port::getKey))
        .forEach(b::addPorts);
    config.dvs().getMembersList().stream()
        .map(HostMember::getHostId)
        .sorted()
        .map(hosts)
        .flatMap(Optional::stream)
        .forEach(b::addHosts);
    return b.build();
  }

  /** The configuration a content describes. */
  public static DvsConfig toConfig(SnapshotContent content) {
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    content.getPortGroupsList().forEach(pg -> groups.put(pg.getId(), pg));
    Map<String, Port> ports = new LinkedHashMap<>();
    content.getPortsList().forEach(p -> ports.put(p.getKey(), p));
    return DvsConfig.of(content.getDvs(), groups, ports);
  }
}
