package io.switchplane.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.PortGroup;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The update mask an update verb sends: exactly the policy flags given, as real field paths. */
class PolicyOptionsTest {
  @Command(name = "t")
  static final class Holder {
    @Mixin PolicyOptions policy;
  }

  private static PolicyOptions parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.policy;
  }

  @Test
  void noFlagNoPath() {
    assertThat(parse().maskPaths("policy")).isEmpty();
  }

  @Test
  void eachFlagNamesItsFieldAndEveryPathIsAField() {
    PolicyOptions all =
        parse(
            "--vlan",
            "10",
            "--mtu",
            "9000",
            "--blocked",
            "--promiscuous",
            "--mac-changes",
            "--forged-transmits",
            "--shaping-in",
            "1,2,3",
            "--shaping-out",
            "off",
            "--active-uplinks",
            "uplink1",
            "--standby-uplinks",
            "uplink2",
            "--allow-override",
            "vlan,ingress-shaping",
            "--inherit",
            "teaming");

    List<String> paths = all.maskPaths("policy");
    assertThat(paths)
        .contains(
            "policy.vlan.value",
            "policy.security.value.allow_mac_changes",
            "policy.ingress_shaping",
            "policy.teaming");
    assertThat(paths)
        .allSatisfy(p -> assertThat(FieldMaskUtil.isValid(PortGroup.class, p)).isTrue());
    assertThat(all.maskPaths("default_policy"))
        .allSatisfy(p -> assertThat(FieldMaskUtil.isValid(Dvs.class, p)).as(p).isTrue());
  }

  @Test
  void onlyTheFlagsGivenAreNamed() {
    assertThat(parse("--vlan", "100").maskPaths("policy")).containsExactly("policy.vlan.value");
    assertThat(parse("--promiscuous").maskPaths("policy"))
        .containsExactly("policy.security.value.allow_promiscuous");
  }
}
