package io.switchplane.manager.model;

import static io.switchplane.manager.ManagerFixtures.H1;
import static io.switchplane.manager.ManagerFixtures.H2;
import static io.switchplane.manager.ManagerFixtures.H3;
import static io.switchplane.manager.ManagerFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Host;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.ManagerFixtures;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ConfigLookupTest {
  private final DvsConfig config = ManagerFixtures.sample();
  private final Function<String, Host> registered =
      ref ->
          ManagerFixtures.hosts()
              .find(ref)
              .orElseThrow(() -> SwitchplaneException.notFound("host '%s' is not registered", ref));

  @Test
  void portGroupIsFoundByIdThenNameInAStoredOrAPlannedConfiguration() {
    assertThat(ConfigLookup.portGroup(config, "pg-web").getName()).isEqualTo("web");
    assertThat(ConfigLookup.portGroup(config, "db").getId()).isEqualTo("pg-db");
    assertThat(ConfigLookup.portGroup(config.toBuilder(), "web").getId()).isEqualTo("pg-web");
    assertThat(
            failure(ErrorCode.NOT_FOUND, () -> ConfigLookup.portGroup(config, "app")).getMessage())
        .isEqualTo("port group 'app' not found in DVS 'dvs1'");
    assertThat(
            failure(ErrorCode.NOT_FOUND, () -> ConfigLookup.portGroup(config.toBuilder(), "app"))
                .getMessage())
        .isEqualTo("port group 'app' not found in DVS 'dvs1'");
  }

  @Test
  void portIsFoundByKeyOnly() {
    assertThat(ConfigLookup.port(config.toBuilder(), "p1").getPortGroupId()).isEqualTo("pg-web");
    assertThat(failure(ErrorCode.NOT_FOUND, () -> ConfigLookup.port(config, "p9")).getMessage())
        .isEqualTo("port 'p9' not found in DVS 'dvs1'");
  }

  @Test
  void aMemberIsFoundByIdWithoutTheRegistryAndByNameThroughIt() {
    assertThat(
            ConfigLookup.hostId(
                config,
                H1.getId(),
                ref -> {
                  throw new AssertionError("registry asked for " + ref);
                }))
        .isEqualTo(H1.getId());
    assertThat(ConfigLookup.member(config, "esx2", registered).getHostId()).isEqualTo(H2.getId());
    assertThat(
            failure(
                    ErrorCode.NOT_FOUND,
                    () -> ConfigLookup.member(config, H3.getName(), registered))
                .getMessage())
        .isEqualTo("host 'esx3' is not a member of DVS 'dvs1'");
    assertThat(
            failure(ErrorCode.NOT_FOUND, () -> ConfigLookup.member(config, "esx9", registered))
                .getMessage())
        .isEqualTo("host 'esx9' is not registered");
  }

  @Test
  void memberIdAsksTheGivenMembership() {
    assertThat(ConfigLookup.memberId(H3.getId()::equals, config.dvs(), "esx3", registered))
        .isEqualTo(H3.getId());
    assertThat(
            failure(
                    ErrorCode.NOT_FOUND,
                    () -> ConfigLookup.memberId(id -> false, config.dvs(), "esx1", registered))
                .getMessage())
        .isEqualTo("host 'esx1' is not a member of DVS 'dvs1'");
  }
}
