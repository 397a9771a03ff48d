package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.EnrollRequest;
import io.switchplane.api.v1.EnrollResponse;
import io.switchplane.api.v1.EnrollmentServiceGrpc;
import io.switchplane.api.v1.GetCaCertificateRequest;
import io.switchplane.api.v1.GetCaCertificateResponse;
import io.switchplane.api.v1.RenewRequest;
import io.switchplane.api.v1.RenewResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.pki.ClusterCa;
import io.switchplane.manager.pki.Enrollments;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.TlsPeer;

/**
 * The agents' side of the PKI, served on the manager's agent port (TLS). Needs {@link
 * TlsPeer#interceptor()} in front of it so that Renew sees the client certificate.
 */
public final class EnrollmentGrpcService extends EnrollmentServiceGrpc.EnrollmentServiceImplBase {
  private final ClusterCa ca;
  private final Enrollments enrollments;

  public EnrollmentGrpcService(ClusterCa ca, Enrollments enrollments) {
    this.ca = ca;
    this.enrollments = enrollments;
  }

  @Override
  public void getCaCertificate(
      GetCaCertificateRequest r, StreamObserver<GetCaCertificateResponse> out) {
    call(
        out,
        () ->
            GetCaCertificateResponse.newBuilder()
                .setCertificateDer(
                    ByteString.copyFrom(
                        Certificates.der(
                            ca.certificate()
                                .orElseThrow(
                                    () ->
                                        SwitchplaneException.precondition(
                                            "there is no cluster CA yet")))))
                .build());
  }

  @Override
  public void enroll(EnrollRequest r, StreamObserver<EnrollResponse> out) {
    call(out, () -> enrollments.enroll(r.getToken(), r.getCsrDer().toByteArray()));
  }

  @Override
  public void renew(RenewRequest r, StreamObserver<RenewResponse> out) {
    call(out, () -> enrollments.renew(TlsPeer.certificate(), r.getCsrDer().toByteArray()));
  }
}
