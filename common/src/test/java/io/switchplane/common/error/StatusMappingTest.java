package io.switchplane.common.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class StatusMappingTest {
  @Test
  void aRefusalQuotingAHugeIdKeepsItsCodeAndABoundedMessage() {
    String id = "x".repeat(20_000);
    StatusRuntimeException s =
        StatusMapping.toStatus(SwitchplaneException.notFound("no DVS '%s'", id));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(s.getStatus().getDescription())
        .hasSizeLessThanOrEqualTo(StatusMapping.MAX_DESCRIPTION)
        .startsWith("no DVS 'xxx")
        .endsWith("more characters)");
  }

  @Test
  void aReasonsFactsTravelBesideItAndComeBackOnTheClient() {
    StatusRuntimeException s =
        StatusMapping.toStatus(
            SwitchplaneException.precondition("DVS 'sw' is owned by manager m1")
                .because(ErrorReason.NOT_DVS_OWNER)
                .with(java.util.Map.of(ErrorReason.OWNER_ENDPOINT, "127.0.0.1:7400")));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(StatusMapping.reason(s)).contains(ErrorReason.NOT_DVS_OWNER);
    assertThat(StatusMapping.metadata(s))
        .containsExactly(java.util.Map.entry(ErrorReason.OWNER_ENDPOINT, "127.0.0.1:7400"));
    SwitchplaneException back = StatusMapping.fromStatus(s);
    assertThat(back.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    assertThat(back.metadata()).containsEntry(ErrorReason.OWNER_ENDPOINT, "127.0.0.1:7400");
    assertThat(StatusMapping.metadata(Status.UNAVAILABLE.asRuntimeException())).isEmpty();
  }

  @Test
  void aShortMessageIsSentWhole() {
    assertThat(
            StatusMapping.toStatus(SwitchplaneException.invalid("VLAN 5000 is outside 1-4094"))
                .getStatus()
                .getDescription())
        .isEqualTo("VLAN 5000 is outside 1-4094");
  }

  @Test
  void aStatusPassedThroughIsBoundedToo() {
    StatusRuntimeException s =
        StatusMapping.toStatus(
            Status.FAILED_PRECONDITION.withDescription("y".repeat(5_000)).asRuntimeException());
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(s.getStatus().getDescription())
        .hasSizeLessThanOrEqualTo(StatusMapping.MAX_DESCRIPTION);
  }

  @Test
  void aTypedReasonTravelsAsErrorInfoBesideTheStatus() {
    StatusRuntimeException s =
        StatusMapping.toStatus(
            SwitchplaneException.precondition("generation 4 is awaiting confirm")
                .because(ErrorReason.AWAITING_CONFIRM));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(s.getStatus().getDescription()).isEqualTo("generation 4 is awaiting confirm");
    // As a client receives it: the trailers only.
    StatusRuntimeException received = s.getStatus().asRuntimeException(s.getTrailers());
    assertThat(StatusMapping.reason(received)).contains(ErrorReason.AWAITING_CONFIRM);
    assertThat(StatusMapping.fromStatus(received).reason()).contains(ErrorReason.AWAITING_CONFIRM);
    assertThat(
            StatusMapping.reason(
                Status.FAILED_PRECONDITION
                    .withDescription("generation 4 is awaiting confirm")
                    .asRuntimeException()))
        .as("the text alone is no reason")
        .isEmpty();
  }
}
