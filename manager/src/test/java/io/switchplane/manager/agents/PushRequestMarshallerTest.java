package io.switchplane.manager.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PushRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class PushRequestMarshallerTest {
  private final PushRequestMarshaller marshaller = new PushRequestMarshaller();

  private static PushRequest apply(int ports) {
    HostSwitchState.Builder state =
        HostSwitchState.newBuilder().setDvs(Dvs.newBuilder().setId("dvs-é").setGeneration(7));
    for (int i = 0; i < ports; i++) {
      state.addPorts(Port.newBuilder().setKey("port-" + i).setDescription("vm-" + i + "-nic"));
    }
    return PushRequest.newBuilder()
        .setId(ports + 1)
        .setApply(ApplyRequest.newBuilder().setDesired(state).setConfirmTimeoutMs(30_000))
        .build();
  }

  private static byte[] drained(InputStream in) throws IOException {
    assertThat(in).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    int size = in.available();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(((Drainable) in).drainTo(out)).isEqualTo(size);
    assertThat(in.available()).isZero();
    return out.toByteArray();
  }

  @Test
  void writesTheSameBytesAsProtobufWhateverTheSizeBefore() throws IOException {
    // Large (past the kept buffer's first size), then small, then large again on one thread: each
    // is written alone, with nothing of the one before.
    for (int ports : new int[] {2_000, 3, 0, 40_000, 30}) {
      PushRequest request = apply(ports);
      assertThat(drained(marshaller.stream(request))).isEqualTo(request.toByteArray());
    }
    PushRequest confirm =
        PushRequest.newBuilder()
            .setId(9)
            .setConfirm(ConfirmRequest.newBuilder().setDvsId("d").setGeneration(3).setNonce("n"))
            .build();
    assertThat(drained(marshaller.stream(confirm))).isEqualTo(confirm.toByteArray());
  }

  @Test
  void readsAsAPlainStreamToo() throws IOException {
    PushRequest request = apply(50);
    InputStream in = marshaller.stream(request);
    assertThat(in.available()).isEqualTo(request.getSerializedSize());
    assertThat(marshaller.parse(new java.io.ByteArrayInputStream(in.readAllBytes())))
        .isEqualTo(request);
  }
}
