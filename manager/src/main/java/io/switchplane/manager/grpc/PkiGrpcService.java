package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.CreateEnrollTokenRequest;
import io.switchplane.api.v1.CreateEnrollTokenResponse;
import io.switchplane.api.v1.GetCaRequest;
import io.switchplane.api.v1.GetCaResponse;
import io.switchplane.api.v1.InitCaRequest;
import io.switchplane.api.v1.InitCaResponse;
import io.switchplane.api.v1.IssueUserCertificateRequest;
import io.switchplane.api.v1.IssueUserCertificateResponse;
import io.switchplane.api.v1.PkiServiceGrpc;
import io.switchplane.manager.pki.ClusterCa;
import io.switchplane.manager.pki.Enrollments;
import io.switchplane.manager.pki.ManagerIdentity;
import io.switchplane.manager.pki.UserCertificates;
import java.time.Duration;

/**
 * The operator's side of the PKI: make and show the CA, hand out enrollment tokens, sign operators'
 * CSRs.
 */
public final class PkiGrpcService extends PkiServiceGrpc.PkiServiceImplBase {
  private final ClusterCa ca;
  private final Enrollments enrollments;
  private final ManagerIdentity identity;
  private final UserCertificates userCertificates;

  public PkiGrpcService(
      ClusterCa ca,
      Enrollments enrollments,
      ManagerIdentity identity,
      UserCertificates userCertificates) {
    this.ca = ca;
    this.enrollments = enrollments;
    this.identity = identity;
    this.userCertificates = userCertificates;
  }

  @Override
  public void initCa(InitCaRequest r, StreamObserver<InitCaResponse> out) {
    call(
        out,
        () -> {
          InitCaResponse response =
              InitCaResponse.newBuilder()
                  .setCa(ca.init(r.getCommonName(), r.getValidityDays()))
                  .build();
          identity.refresh(); // this manager signs itself a certificate at once
          return response;
        });
  }

  @Override
  public void getCa(GetCaRequest r, StreamObserver<GetCaResponse> out) {
    call(out, () -> GetCaResponse.newBuilder().setCa(ca.show()).build());
  }

  @Override
  public void createEnrollToken(
      CreateEnrollTokenRequest r, StreamObserver<CreateEnrollTokenResponse> out) {
    call(
        out,
        () ->
            enrollments.createToken(
                required(r.getHost(), "host"),
                r.getTtlSeconds() == 0
                    ? Enrollments.DEFAULT_TOKEN_TTL
                    : Duration.ofSeconds(r.getTtlSeconds())));
  }

  @Override
  public void issueUserCertificate(
      IssueUserCertificateRequest r, StreamObserver<IssueUserCertificateResponse> out) {
    call(
        out,
        () -> userCertificates.issue(required(r.getUser(), "user"), r.getCsrDer().toByteArray()));
  }
}
