package io.switchplane.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.UpdateDvsRequest;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
  @Test
  void aStringOverTheLimitIsRefusedByItsPathAndLength() {
    assertThat(
            RequestLimits.violation(
                RollbackHostRequest.newBuilder().setDvs("sw").setHost("h".repeat(1024)).build()))
        .isEmpty();
    Status s =
        RequestLimits.violation(
                RollbackHostRequest.newBuilder().setDvs("sw").setHost("h".repeat(1025)).build())
            .orElseThrow();
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).isEqualTo("host has 1025 characters, the limit is 1024");
  }

  @Test
  void nestedRepeatedAndMapStringsAreCheckedToo() {
    HostSwitchState.Builder state =
        HostSwitchState.newBuilder()
            .setHostId("h1")
            .setDvs(
                Dvs.newBuilder()
                    .setName("sw")
                    .addMembers(
                        HostMember.newBuilder()
                            .setHostId("h1")
                            .putUplinkNics("uplink1", "n".repeat(2000))));
    for (int i = 0; i < 3; i++) {
      state.addPorts(Port.newBuilder().setKey(i == 2 ? "k".repeat(5000) : "p" + i));
    }
    Status s =
        RequestLimits.violation(ApplyRequest.newBuilder().setDesired(state).build()).orElseThrow();
    assertThat(s.getDescription())
        .isEqualTo(
            "desired.dvs.members[0].uplink_nics[0].value has 2000 characters, the limit is 1024");
    state.getDvsBuilder().getMembersBuilder(0).putUplinkNics("uplink1", "vmnic0");
    assertThat(
            RequestLimits.violation(ApplyRequest.newBuilder().setDesired(state).build())
                .orElseThrow()
                .getDescription())
        .isEqualTo("desired.ports[2].key has 5000 characters, the limit is 1024");
  }

  @Test
  void freeTextHasItsOwnLimit() {
    UpdateDvsRequest.Builder r =
        UpdateDvsRequest.newBuilder()
            .setDvs("sw")
            .setSettings(Dvs.newBuilder().setDescription("d".repeat(RequestLimits.MAX_TEXT)));
    assertThat(RequestLimits.violation(r.build())).isEmpty();
    r.getSettingsBuilder().setDescription("d".repeat(RequestLimits.MAX_TEXT + 1));
    assertThat(RequestLimits.violation(r.build()).orElseThrow().getDescription())
        .isEqualTo("settings.description has 65537 characters, the limit is 65536");
  }

  @Test
  void unsignedNumbersJavaWouldReadAsNegativeAreOutOfRange() {
    Status s =
        RequestLimits.violation(
                UpdateDvsRequest.newBuilder().setDvs("sw").setExpectedGeneration(1L << 63).build())
            .orElseThrow();
    assertThat(s.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
    assertThat(s.getDescription())
        .isEqualTo("expected_generation is 9223372036854775808, the limit is 9223372036854775807");
    assertThat(
            RequestLimits.violation(
                UpdateDvsRequest.newBuilder()
                    .setDvs("sw")
                    .setExpectedGeneration(Long.MAX_VALUE)
                    .build()))
        .isEmpty();
    assertThat(
            RequestLimits.violation(
                    ApplyRequest.newBuilder()
                        .setDesired(
                            HostSwitchState.newBuilder().setDvs(Dvs.newBuilder().setGeneration(-1)))
                        .build())
                .orElseThrow()
                .getDescription())
        .isEqualTo(
            "desired.dvs.generation is 18446744073709551615, the limit is 9223372036854775807");
    assertThat(
            RequestLimits.violation(
                    RollbackHostRequest.newBuilder().setConfirmTimeoutMs(-1).build())
                .orElseThrow()
                .getDescription())
        .isEqualTo("confirm_timeout_ms is 4294967295, the limit is 2147483647");
  }

  @Test
  void aLargeValidRequestPasses() {
    HostSwitchState.Builder state =
        HostSwitchState.newBuilder().setHostId("h1").setDvs(Dvs.newBuilder().setName("sw"));
    for (int i = 0; i < 4096; i++) {
      state.addPorts(Port.newBuilder().setKey("port-" + i).setPortGroupId("pg").setHostId("h1"));
    }
    assertThat(RequestLimits.violation(ApplyRequest.newBuilder().setDesired(state).build()))
        .isEmpty();
  }
}
