package io.switchplane.cli.ops;

import io.switchplane.api.v1.ListNamespacesRequest;
import io.switchplane.api.v1.ListNamespacesResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PropertyNamespace;
import io.switchplane.api.v1.RegisterNamespaceRequest;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane namespace`: the property namespaces applications hand data to host modules in. */
@Command(
    name = "namespace",
    mixinStandardHelpOptions = true,
    description = {
      "Register and list property namespaces "
          + "(reverse-DNS names, e.g. com.example.qos); properties can only be set in a registered one."
    },
    subcommands = {NamespaceCommand.Register.class, NamespaceCommand.ListCmd.class})
public final class NamespaceCommand {
  private NamespaceCommand() {}

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Register a namespace. Names under " + "io.switchplane. are Switchplane's own and refused."
      })
  static final class Register extends ManagerCommand {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "Reverse-DNS name, e.g. com.example.qos.")
    String name;

    @Option(
        names = "--owner",
        required = true,
        description = "Who owns it (application, team or contact).")
    String owner;

    @Option(names = "--description", description = "Free text.")
    String description = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PropertyNamespace ns =
          properties()
              .registerNamespace(
                  RegisterNamespaceRequest.newBuilder()
                      .setName(name)
                      .setOwner(owner)
                      .setDescription(description)
                      .build())
              .getNamespace();
      System.out.println(
          data()
              ? render(ns)
              : "registered namespace " + ns.getName() + " (owner " + ns.getOwner() + ")");
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List registered namespaces.")
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListNamespacesResponse r =
          properties().listNamespaces(ListNamespacesRequest.getDefaultInstance());
      if (printedAsData(r)) {
        return 0;
      }
      Table t = new Table("NAME", "OWNER", "REGISTERED", "DESCRIPTION");
      for (PropertyNamespace ns : r.getNamespacesList()) {
        t.row(
            ns.getName(),
            ns.getOwner(),
            Describe.time(ns.getRegisteredUnixMs()),
            ns.getDescription());
      }
      print(t);
      return 0;
    }
  }
}
