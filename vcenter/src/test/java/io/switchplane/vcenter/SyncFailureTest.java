package io.switchplane.vcenter;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.NotAuthenticated;
import java.net.ConnectException;
import java.net.URL;
import java.rmi.RemoteException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class SyncFailureTest {
  private static final String SECRET = "s3cret-Pa55";

  private static VcenterEndpoint endpoint() throws Exception {
    return new VcenterEndpoint(
        new URL("https://vc.example.test/sdk"), "admin", SECRET, false, null);
  }

  /** What yavijava throws for a SOAP fault on Java 17 when java.lang is not opened to it. */
  private static RemoteException unmapped(String type) {
    return new RemoteException(
        "Exception in SoapClient.invoke:",
        new RuntimeException(
            "Could not map the soap fault from:\n<faultcode>ServerFaultCode</faultcode><faultstring>Login failure"
                + "</faultstring><detail><"
                + type
                + "Fault xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/"
                + "XMLSchema-instance\" xsi:type=\""
                + type
                + "\"></"
                + type
                + "Fault></detail>"));
  }

  @Test
  void refusedCredentials() throws Exception {
    for (Exception e : new Exception[] {new InvalidLogin(), unmapped("InvalidLogin")}) {
      SyncFailure f = SyncFailure.of(e, endpoint());
      assertThat(f.state()).isEqualTo(SyncStatus.State.AUTH_FAILED);
      assertThat(f.message())
          .contains("refused user 'admin'")
          .contains("InvalidLogin")
          .contains("https://vc.example.test/sdk")
          .doesNotContain(SECRET);
    }
  }

  @Test
  void expiredSession() throws Exception {
    for (Exception e : new Exception[] {new NotAuthenticated(), unmapped("NotAuthenticated")}) {
      SyncFailure f = SyncFailure.of(e, endpoint());
      assertThat(f.state()).isEqualTo(SyncStatus.State.RETRYING);
      assertThat(f.message()).contains("expired").contains("NotAuthenticated");
    }
  }

  @Test
  void unreachable() throws Exception {
    SyncFailure f =
        SyncFailure.of(
            new RemoteException(
                "VI SDK invoke exception", new ConnectException("Connection refused")),
            endpoint());
    assertThat(f.state()).isEqualTo(SyncStatus.State.RETRYING);
    assertThat(f.message())
        .isEqualTo(
            "vCenter https://vc.example.test/sdk unreachable: ConnectException "
                + "Connection refused");
  }

  @Test
  void untrustedCertificate() throws Exception {
    SyncFailure f =
        SyncFailure.of(
            new RemoteException("x", new SSLHandshakeException("PKIX path building failed")),
            endpoint());
    assertThat(f.message()).contains("TLS").contains("PKIX").contains("trust store");
  }

  @Test
  void otherFaultsAndErrors() throws Exception {
    assertThat(SyncFailure.of(unmapped("InvalidCollectorVersion"), endpoint()).message())
        .isEqualTo(
            "vCenter https://vc.example.test/sdk answered with fault InvalidCollectorVersion");
    assertThat(SyncFailure.of(new IllegalStateException("boom"), endpoint()).message())
        .isEqualTo("sync with https://vc.example.test/sdk failed: IllegalStateException boom");
    assertThat(SyncFailure.faultType(unmapped("RequestCanceled"))).isEqualTo("RequestCanceled");
    assertThat(SyncFailure.faultType(new IllegalStateException())).isEmpty();
  }
}
