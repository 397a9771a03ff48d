package io.switchplane.manager.migration;

import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PrecheckCondition;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.api.v1.VmkService;
import io.switchplane.ipam.InterfaceAddress;
import io.switchplane.ipam.Ip;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Whether a VM's ports can move to another host, judged on the configuration as it is and on what
 * each host's agent said it realizes; every failed condition is listed, not only the first (a
 * vMotion precheck, but by logical network id instead of network label). Pure: no I/O, no state;
 * the migration itself calls it before moving, the gRPC service to answer Precheck.
 *
 * <p>The conditions: for every port whose connectee is a vNIC of the VM, the destination is a
 * member of the port's DVS and realizes its port group's logical network (by id), the port group
 * allows moves and has room for the port prepared on the destination; and both hosts have a
 * VMkernel port with the vMotion service and an address, one pair of them in one subnet.
 */
public final class MigrationPrecheck {
  /** The logical network ids a host realizes for a DVS, as its agent last reported them. */
  @FunctionalInterface
  public interface RealizedNetworks {
    Set<String> of(String dvsId, String hostId);
  }

  /**
   * The IP subnet (id) holding a VMkernel port's address, among those reachable from its port
   * group; empty when none is defined there (then the prefix length decides).
   */
  @FunctionalInterface
  public interface VmkSubnets {
    VmkSubnets NONE = (dvsId, portGroupId, ip) -> Optional.empty();

    Optional<String> of(String dvsId, String portGroupId, Ip ip);
  }

  private static final Comparator<PrecheckFailure> ORDER =
      Comparator.comparing(PrecheckFailure::getPortKey)
          .thenComparing(f -> f.getCondition().getNumber());

  private final Collection<DvsConfig> configs;
  private final RealizedNetworks realized;
  private final Function<String, String> hostName;
  private final VmkSubnets subnets;

  /**
   * @param configs every DVS's current configuration
   * @param realized what each host realizes per DVS
   * @param hostName a host's name by id (the id itself when unknown), for the details
   */
  public MigrationPrecheck(
      Collection<DvsConfig> configs, RealizedNetworks realized, Function<String, String> hostName) {
    this(configs, realized, hostName, VmkSubnets.NONE);
  }

  /**
   * @param subnets the IP subnet of a VMkernel port's address, where its port group has subnets
   */
  public MigrationPrecheck(
      Collection<DvsConfig> configs,
      RealizedNetworks realized,
      Function<String, String> hostName,
      VmkSubnets subnets) {
    this.configs = List.copyOf(configs);
    this.realized = realized;
    this.hostName = hostName;
    this.subnets = subnets;
  }

  /**
   * Every condition that a move of vmUuid's ports to toHostId fails. NOT_FOUND when no port's
   * connectee is a vNIC of the VM, or when none of them is placed on a host.
   */
  public PrecheckResponse check(String vmUuid, String toHostId) {
    TreeMap<String, VmPort> ports = new TreeMap<>();
    for (DvsConfig config : configs) {
      for (Port p : config.ports().values()) {
        if (p.getConnectee().hasVmNic() && p.getConnectee().getVmNic().getVmUuid().equals(vmUuid)) {
          ports.put(p.getKey(), new VmPort(config, p));
        }
      }
    }
    if (ports.isEmpty()) {
      throw notFound("VM '%s' has no port on any DVS", vmUuid);
    }
    String fromHostId =
        ports.values().stream()
            .map(v -> v.port().getHostId())
            .filter(h -> !h.isEmpty())
            .findFirst()
            .orElseThrow(() -> notFound("VM '%s' has no port placed on a host", vmUuid));
    List<PrecheckFailure> failures = new ArrayList<>();
    if (fromHostId.equals(toHostId)) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_SAME_HOST,
              "",
              "the VM's ports are on host '%s' already",
              hostName.apply(toHostId)));
    }
    vmotion(fromHostId, toHostId, failures);
    for (VmPort v : ports.values()) {
      portConditions(v, toHostId, failures);
    }
    failures.sort(ORDER);
    return PrecheckResponse.newBuilder()
        .setOk(failures.isEmpty())
        .setFromHostId(fromHostId)
        .setToHostId(toHostId)
        .addAllPortKeys(ports.keySet())
        .addAllFailures(failures)
        .build();
  }

  private void portConditions(VmPort v, String to, List<PrecheckFailure> failures) {
    DvsConfig config = v.config();
    Port port = v.port();
    PortGroup pg = config.portGroups().get(port.getPortGroupId());
    String group = "port group '" + pg.getName() + "' of DVS '" + config.dvs().getName() + "'";
    if (config.member(to).isEmpty()) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NOT_MEMBER,
              port.getKey(),
              "host '%s' is not a member of DVS '%s'",
              hostName.apply(to),
              config.dvs().getName()));
    } else if (!realized.of(config.id(), to).contains(pg.getLogicalNetworkId())) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_NETWORK_NOT_REALIZED,
              port.getKey(),
              "host '%s' does not realize logical network %s (%s)",
              hostName.apply(to),
              pg.getLogicalNetworkId(),
              group));
    }
    if (pg.hasAllowMoves() && !pg.getAllowMoves()) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_MOVES_NOT_ALLOWED,
              port.getKey(),
              "%s does not allow moves",
              group));
    }
    if (pg.getBinding() != PortBinding.PORT_BINDING_EPHEMERAL
        && !pg.getAutoExpand()
        && pg.getNumPorts() > 0) {
      long used =
          config.ports().values().stream()
              .filter(p -> p.getPortGroupId().equals(pg.getId()))
              .count();
      if (used >= pg.getNumPorts()) {
        failures.add(
            failure(
                PrecheckCondition.PRECHECK_CONDITION_NO_CAPACITY,
                port.getKey(),
                "%s has %d of %d ports in use and no room for the port prepared on the destination",
                group,
                used,
                pg.getNumPorts()));
      }
    }
  }

  /**
   * Both hosts need a vMotion VMkernel port with an address, a pair of them in one subnet: the same
   * IP subnet (by id) where both addresses lie in one; otherwise the same prefix (the address with
   * its prefix length is all there is).
   */
  private void vmotion(String from, String to, List<PrecheckFailure> failures) {
    List<Vmotion> source = vmotionAddresses(from);
    List<Vmotion> destination = vmotionAddresses(to);
    if (source.isEmpty()) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_SOURCE_NO_VMOTION_PORT,
              "",
              "host '%s' has no VMkernel port with the vMotion service and an address",
              hostName.apply(from)));
    }
    if (destination.isEmpty()) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NO_VMOTION_PORT,
              "",
              "host '%s' has no VMkernel port with the vMotion service and an address",
              hostName.apply(to)));
    }
    if (source.isEmpty() || destination.isEmpty()) {
      return;
    }
    if (destination.stream().noneMatch(d -> source.stream().anyMatch(s -> s.oneSubnet(d)))) {
      failures.add(
          failure(
              PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER,
              "",
              "the vMotion VMkernel ports of host '%s' (%s) and host '%s' (%s) share no subnet",
              hostName.apply(from),
              text(source),
              hostName.apply(to),
              text(destination)));
    }
  }

  /** A vMotion VMkernel port's address and the IP subnet holding it, when one does. */
  private record Vmotion(InterfaceAddress address, Optional<String> subnetId) {
    boolean oneSubnet(Vmotion o) {
      if (subnetId.isPresent() && o.subnetId.isPresent()) {
        return subnetId.equals(o.subnetId);
      }
      return address.network().equals(o.address.network());
    }

    @Override
    public String toString() {
      return address + subnetId.map(id -> " in subnet " + id).orElse("");
    }
  }

  private List<Vmotion> vmotionAddresses(String hostId) {
    List<Vmotion> out = new ArrayList<>();
    for (DvsConfig config : configs) {
      for (Port p : config.portsOnHost(hostId)) {
        VmkNic vmk = p.getConnectee().getVmkNic();
        if (p.getConnectee().hasVmkNic()
            && vmk.getServicesList().contains(VmkService.VMK_SERVICE_VMOTION)
            && !vmk.getAddress().isEmpty()) {
          // Stored addresses were validated when their port was.
          InterfaceAddress a = InterfaceAddress.parse(vmk.getAddress());
          out.add(new Vmotion(a, subnets.of(config.id(), p.getPortGroupId(), a.address())));
        }
      }
    }
    return out;
  }

  private static String text(List<Vmotion> addresses) {
    return String.join(", ", addresses.stream().map(Vmotion::toString).toList());
  }

  private static PrecheckFailure failure(
      PrecheckCondition condition, String portKey, String format, Object... args) {
    return PrecheckFailure.newBuilder()
        .setCondition(condition)
        .setPortKey(portKey)
        .setDetail(String.format(format, args))
        .build();
  }

  private record VmPort(DvsConfig config, Port port) {}
}
