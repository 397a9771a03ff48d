package io.switchplane.cli.ops;

import io.switchplane.api.v1.CaInfo;
import io.switchplane.api.v1.GetCaRequest;
import io.switchplane.api.v1.InitCaRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Describe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `switchplane pki ...`: the cluster CA that authenticates managers and agents to each other. */
@Command(
    name = "pki",
    description = "The cluster CA (manager <-> agent mutual TLS, the operator API's TLS).",
    mixinStandardHelpOptions = true,
    subcommands = {PkiCommand.Init.class, PkiCommand.Show.class})
public final class PkiCommand {

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Make the cluster CA, once. Its private key "
            + "is stored in ZooKeeper sealed with the managers' key file. The first manager to start makes it with the "
            + "defaults when there is none, so init answers ALREADY_EXISTS (changing nothing) on a running cluster."
      })
  static final class Init extends ManagerCommand {
    @Option(
        names = "--name",
        description = "The CA's common name (default 'Switchplane cluster CA').")
    String name = "";

    @Option(names = "--days", description = "Validity in days (default 3650).")
    int days;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      CaInfo ca =
          pki()
              .initCa(InitCaRequest.newBuilder().setCommonName(name).setValidityDays(days).build())
              .getCa();
      printCa(this, ca);
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Subject, serial, validity and SHA-256 " + "fingerprint of the cluster CA.")
  static final class Show extends ManagerCommand {
    @Option(names = "--pem", description = "Print the CA certificate in PEM instead.")
    boolean pem;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      CaInfo ca = pki().getCa(GetCaRequest.getDefaultInstance()).getCa();
      if (pem) {
        System.out.print(ca.getCertificatePem());
      } else {
        printCa(this, ca);
      }
      return 0;
    }
  }

  /** The CA's details as -o asks (the verbs of a CA are ManagerCommands). */
  static void printCa(ManagerCommand verb, CaInfo ca) {
    if (verb.printedAsData(ca)) {
      return;
    }
    System.out.println("subject      " + ca.getSubject());
    System.out.println("serial       " + ca.getSerialHex());
    System.out.println("valid from   " + Describe.time(ca.getNotBeforeUnixMs()));
    System.out.println("valid until  " + Describe.time(ca.getNotAfterUnixMs()));
    System.out.println("sha256       " + ca.getSha256Fingerprint());
  }
}
