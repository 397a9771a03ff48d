package io.switchplane.cli.run;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class UpCommandTest {
  @Test
  void overlappingPortsAreRefusedNamingBothUsers() {
    assertThatThrownBy(() -> UpCommand.checkPorts(40002, 3, 40001))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining(
            "port 40002 is wanted by both the manager (--manager-port) and agent host-2")
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(((SwitchplaneException) e).code())
                    .isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void aPortInUseIsRefusedBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> UpCommand.checkPorts(port, 0, 0))
          .isInstanceOf(SwitchplaneException.class)
          .hasMessageContaining("port " + port + " for the manager (--manager-port) is in use");
    }
  }

  @Test
  void portsBeyondTheRangeAreRefused() {
    assertThatThrownBy(() -> UpCommand.checkPorts(0, 3, 65534))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("reaches 65536");
  }

  @Test
  void freeAndPickedPortsPass() {
    assertThatCode(() -> UpCommand.checkPorts(0, 3, 0)).doesNotThrowAnyException();
  }
}
