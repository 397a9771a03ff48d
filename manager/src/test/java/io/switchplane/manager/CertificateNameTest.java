package io.switchplane.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.rpc.tls.PeerIdentity;
import org.junit.jupiter.api.Test;

class CertificateNameTest {
  @Test
  void anyManagerIdBecomesAValidCertificateName() {
    assertThat(SwitchplaneManager.certificateName("127.0.0.1:7400"))
        .isEqualTo("manager-127.0.0.1:7400");
    assertThat(SwitchplaneManager.certificateName("rack 4/manager é"))
        .isEqualTo("manager-rack-4-manager--");
    for (String id : new String[] {"[::1]:7400", "x".repeat(300), "a b\tc/d"}) {
      PeerIdentity who = PeerIdentity.manager(SwitchplaneManager.certificateName(id));
      assertThat(PeerIdentity.parse(who.uri())).contains(who);
    }
  }
}
