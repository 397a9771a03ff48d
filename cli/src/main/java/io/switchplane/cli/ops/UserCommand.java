package io.switchplane.cli.ops;

import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AddUserResponse;
import io.switchplane.api.v1.IssueUserCertificateRequest;
import io.switchplane.api.v1.IssueUserCertificateResponse;
import io.switchplane.api.v1.ListUsersRequest;
import io.switchplane.api.v1.ListUsersResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.OperatorUser;
import io.switchplane.api.v1.RemoveUserRequest;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.WhoAmIRequest;
import io.switchplane.api.v1.WhoAmIResponse;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.PeerIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.util.io.pem.PemObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane user|login|whoami`: operators, their tokens and roles. */
@Command(
    name = "user",
    mixinStandardHelpOptions = true,
    subcommands = {
      UserCommand.Add.class,
      UserCommand.ListUsers.class,
      UserCommand.Remove.class,
      UserCommand.Csr.class,
      UserCommand.Cert.class
    },
    description = {
      "Operators and their roles: viewer (reads), operator (changes, snapshots, rollback), admin",
      "(hosts, namespaces, vCenters, users); network-manager is an external system publishing its own",
      "networks ('switchplane netmgr'). While no operator exists the manager is open to everyone;",
      "the first one closes it, so add an admin first."
    })
public final class UserCommand {
  private UserCommand() {}

  static Role role(String label) {
    try {
      return Role.valueOf("ROLE_" + label.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      return Role.ROLE_UNSPECIFIED; // the manager names the valid roles
    }
  }

  static String label(Role role) {
    return role.name().replace("ROLE_", "").toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Add an operator; prints its token once.")
  static final class Add extends ManagerCommand {
    @Parameters(paramLabel = "NAME", description = "1-64 of a-z, 0-9, '.', '_', '-'.")
    String name;

    @Option(
        names = "--role",
        required = true,
        description = "viewer, operator, admin or network-manager.")
    String role;

    @Option(
        names = "--dvs",
        split = ",",
        paramLabel = "DVS",
        description = "Only these DVSes may be changed.")
    List<String> scope = new ArrayList<>();

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      AddUserResponse r =
          users()
              .addUser(
                  AddUserRequest.newBuilder()
                      .setName(name)
                      .setRole(role(role))
                      .addAllDvsScope(scope)
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.println(
          "added " + r.getUser().getName() + " (" + label(r.getUser().getRole()) + ")");
      System.out.println("token (shown once): " + r.getToken());
      System.out.println(
          "the operator logs in with: switchplane login --manager "
              + endpoint()
              + " --token-file FILE");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List operators.")
  static final class ListUsers extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListUsersResponse r = users().listUsers(ListUsersRequest.getDefaultInstance());
      if (printedAsData(r)) {
        return 0;
      }
      Table t = new Table("NAME", "ROLE", "DVS SCOPE", "ADDED", "BY");
      for (OperatorUser u : r.getUsersList()) {
        t.row(
            u.getName(),
            label(u.getRole()),
            u.getDvsScopeCount() == 0 ? "all" : String.join(",", u.getDvsScopeList()),
            Describe.time(u.getCreatedUnixMs()),
            u.getCreatedBy());
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove an operator; its token stops working.")
  static final class Remove extends ManagerCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      users().removeUser(RemoveUserRequest.newBuilder().setName(name).build());
      System.out.println(data() ? "{}" : "removed " + name);
      return 0;
    }
  }

  /** `switchplane user csr`: on the operator's machine; the key never leaves it. */
  @Command(
      name = "csr",
      mixinStandardHelpOptions = true,
      description = {
        "Make a key (written 0600 to --key-out) and "
            + "print a certificate signing request naming user NAME,",
        "for an admin's 'switchplane user cert NAME --csr FILE'."
      })
  static final class Csr implements java.util.concurrent.Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
        names = "--key-out",
        required = true,
        paramLabel = "FILE",
        description = "Where the private key goes.")
    Path keyOut;

    @Override
    public Integer call() throws java.io.IOException {
      java.security.KeyPair keys = Csrs.newKeyPair();
      byte[] csr = Csrs.create(keys, PeerIdentity.user(name));
      Files.deleteIfExists(keyOut);
      Files.createFile(
          keyOut,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyOut, Certificates.toPem(keys.getPrivate()));
      System.out.print(Certificates.toPem(new PemObject("CERTIFICATE REQUEST", csr)));
      return 0;
    }
  }

  /** `switchplane user cert`: an admin signs an operator's CSR. */
  @Command(
      name = "cert",
      mixinStandardHelpOptions = true,
      description = {
        "Sign an operator's CSR (from 'switchplane "
            + "user csr') with the cluster CA and print the certificate",
        "and the CA (PEM); the operator then uses "
            + "'--cert FILE --cert-key FILE' or 'switchplane login --cert FILE --cert-key FILE'."
      })
  static final class Cert extends ManagerCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "The CSR (PEM).")
    Path csr;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      byte[] der;
      try {
        der = Certificates.pemBlock(Files.readString(csr), "CERTIFICATE REQUEST");
      } catch (java.io.IOException | java.security.cert.CertificateException e) {
        throw io.switchplane.common.error.SwitchplaneException.invalid(
            "cannot read a CSR from %s: %s", csr, e.getMessage());
      }
      IssueUserCertificateResponse r =
          pki()
              .issueUserCertificate(
                  IssueUserCertificateRequest.newBuilder()
                      .setUser(name)
                      .setCsrDer(com.google.protobuf.ByteString.copyFrom(der))
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      System.out.print(
          Certificates.toPem(
              new PemObject("CERTIFICATE", r.getCertificateDer().toByteArray()),
              new PemObject("CERTIFICATE", r.getCaCertificateDer().toByteArray())));
      return 0;
    }
  }

  /** `switchplane login`. */
  @Command(
      name = "login",
      mixinStandardHelpOptions = true,
      description = {
        "Check a token or a client certificate (--cert/--cert-key) with the manager and keep it, and the",
        "cluster CA it was checked against (--ca), for this endpoint in the credentials file",
        "($SWITCHPLANE_CREDENTIALS, else ~/.switchplane/credentials; mode 0600)."
      })
  public static final class Login extends ManagerCommand {
    @Option(
        names = "--token",
        description = "The token (prefer --token-file: a command line is visible to others).")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the token.")
    Path tokenFile;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      throw new IllegalStateException("login runs before connecting");
    }

    @Override
    protected String tokenOverride() {
      try {
        String t = tokenFile != null ? Files.readString(tokenFile).trim() : token;
        if ((t == null || t.isEmpty()) && clientCertificateOption() == null) {
          throw new io.switchplane.common.error.SwitchplaneException(
              io.switchplane.common.error.ErrorCode.INVALID_ARGUMENT,
              "give --token-file FILE or --token TOKEN, or --cert FILE --cert-key FILE");
        }
        return t == null || t.isEmpty() ? null : t;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(
            "cannot read " + tokenFile + ": " + e.getMessage(), e);
      }
    }

    @Override
    protected int runWithToken(ManagerServiceBlockingStub manager, String usedToken) {
      WhoAmIResponse me = users().whoAmI(WhoAmIRequest.getDefaultInstance());
      // The CA goes first: it is what every later call checks the manager against.
      trustedCa().ifPresent(ca -> Credentials.saveCa(endpoint(), ca));
      if (me.getOpen()) {
        System.out.println(
            "this manager has no operators yet: everyone is admin; "
                + (trustedCa().isPresent()
                    ? "its CA is kept in " + Credentials.file()
                    : "nothing saved"));
        return 0;
      }
      Path[] certificate = clientCertificateOption();
      if (certificate != null) {
        Credentials.saveClientCertificate(endpoint(), certificate[0], certificate[1]);
      } else {
        Credentials.save(endpoint(), usedToken);
      }
      System.out.println(
          "logged in to "
              + endpoint()
              + " as "
              + me.getPrincipal()
              + " ("
              + label(me.getRole())
              + "); "
              + (certificate != null ? "certificate" : "token")
              + (trustedCa().isPresent() ? " and CA" : "")
              + " kept in "
              + Credentials.file());
      return 0;
    }
  }

  /** `switchplane whoami`. */
  @Command(
      name = "whoami",
      mixinStandardHelpOptions = true,
      description = "Who the manager takes you for.")
  public static final class WhoAmI extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      WhoAmIResponse me = users().whoAmI(WhoAmIRequest.getDefaultInstance());
      if (printedAsData(me)) {
        return 0;
      }
      System.out.println(
          me.getPrincipal()
              + " ("
              + label(me.getRole())
              + ")"
              + (me.getDvsScopeCount() == 0
                  ? ""
                  : " on DVS " + String.join(",", me.getDvsScopeList()))
              + (me.getOpen() ? "; this manager has no operators: everyone is admin" : "")
              + ", calling from "
              + me.getAddress());
      return 0;
    }
  }
}
