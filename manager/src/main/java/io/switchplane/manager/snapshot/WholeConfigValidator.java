package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Stage: checks a whole configuration before a restore writes it, with the same rules a change set
 * meets op by op (a snapshot from a file, or from an older build, is not trusted), and that every
 * member host is registered.
 */
final class WholeConfigValidator {
  private WholeConfigValidator() {}

  /**
   * @throws SwitchplaneException INVALID_ARGUMENT for a bad entity, FAILED_PRECONDITION for a
   *     member host that is not registered (naming it, and how to fix it)
   */
  static void validate(DvsConfig c, Function<String, Optional<Host>> hosts) {
    ModelValidator.validateName(c.dvs().getName(), "DVS");
    ModelValidator.validateDvsSettings(c.dvs());
    Set<String> members = new HashSet<>();
    for (HostMember m : c.dvs().getMembersList()) {
      Host host =
          hosts
              .apply(m.getHostId())
              .orElseThrow(
                  () ->
                      SwitchplaneException.precondition(
                          "member host %s of the snapshot is not registered: register it (switchplane host register) or restore"
                              + " it with 'switchplane recover --from-agents'",
                          m.getHostId()));
      ModelValidator.validateMember(c.dvs(), m, host.getName());
      if (!members.add(m.getHostId())) {
        throw SwitchplaneException.invalid("host %s is a member twice", host.getName());
      }
    }
    Set<String> names = new HashSet<>();
    for (PortGroup pg : c.portGroups().values()) {
      ModelValidator.validatePortGroup(c.dvs(), pg);
      if (!names.add(pg.getName())) {
        throw SwitchplaneException.invalid("two port groups are named '%s'", pg.getName());
      }
    }
    for (Port p : c.ports().values()) {
      PortGroup pg = c.portGroups().get(p.getPortGroupId());
      if (pg == null) {
        throw SwitchplaneException.invalid(
            "port %s refers to port group %s, which the snapshot does not hold",
            p.getKey(), p.getPortGroupId());
      }
      ModelValidator.validatePort(c.dvs(), pg, p, members::contains);
    }
  }
}
