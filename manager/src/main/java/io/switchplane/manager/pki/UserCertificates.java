package io.switchplane.manager.pki;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.IssueUserCertificateResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.UserStore;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.PeerIdentity;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators' client certificates: the cluster CA signs an operator's CSR (its key stays on the
 * operator's machine) with a certificate naming the user, which then authenticates as that user
 * instead of a token. Removing the user ends them: the caller is looked up by name on every call,
 * and a certificate older than the user belongs to an earlier user of that name.
 */
public final class UserCertificates {
  private static final Logger LOG = LoggerFactory.getLogger(UserCertificates.class);

  private final ClusterCa ca;
  private final UserStore users;
  private final Duration lifetime;
  private final Clock clock;

  public UserCertificates(ClusterCa ca, UserStore users, Duration lifetime, Clock clock) {
    this.ca = ca;
    this.users = users;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /**
   * NOT_FOUND for an unknown user, INVALID_ARGUMENT for a malformed CSR, PERMISSION_DENIED when it
   * names another.
   */
  public IssueUserCertificateResponse issue(String user, byte[] csrDer) {
    if (users.byName(user).isEmpty()) {
      throw SwitchplaneException.notFound(
          "no operator named '%s' ('switchplane user add' first)", user);
    }
    Csrs.Request csr = Csrs.parse(csrDer);
    if (!csr.identity().equals(PeerIdentity.user(user))) {
      throw SwitchplaneException.denied(
          "the certificate signing request names %s, not user %s", csr.identity(), user);
    }
    CertificateAuthority signer = ca.signer();
    X509Certificate cert = signer.issue(csr.publicKey(), csr.identity(), lifetime, clock);
    LOG.info(
        "issued user {} a certificate, serial {}, until {}",
        user,
        Certificates.serial(cert),
        cert.getNotAfter().toInstant());
    return IssueUserCertificateResponse.newBuilder()
        .setCertificateDer(ByteString.copyFrom(Certificates.der(cert)))
        .setCaCertificateDer(ByteString.copyFrom(Certificates.der(signer.certificate())))
        .build();
  }
}
