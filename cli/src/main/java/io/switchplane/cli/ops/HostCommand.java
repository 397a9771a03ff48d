package io.switchplane.cli.ops;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.ListHostsRequest;
import io.switchplane.api.v1.ListHostsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.cli.output.Json;
import io.switchplane.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane host ...`: the hosts the manager knows and where their agents listen. */
@Command(name = "host", description = "Register, list and remove hosts.", mixinStandardHelpOptions = true,
    subcommands = {HostCommand.Add.class, HostCommand.ListCmd.class, HostCommand.Remove.class})
public final class HostCommand {

  @Command(name = "add", description = "Register a host and its agent endpoint.", mixinStandardHelpOptions = true)
  static final class Add extends ManagerCommand {
    @Parameters(paramLabel = "NAME", description = "Unique host name.")
    String name;

    @Option(names = "--endpoint", required = true, paramLabel = "HOST:PORT", description = "The host agent's gRPC endpoint.")
    String endpoint;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Host h = manager.registerHost(RegisterHostRequest.newBuilder().setName(name).setEndpoint(endpoint).build()).getHost();
      System.out.println(json() ? Json.print(h) : "registered host " + h.getName() + " (" + h.getId() + ") at " + h.getEndpoint());
      return 0;
    }
  }

  @Command(name = "list", description = "List registered hosts.", mixinStandardHelpOptions = true)
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListHostsResponse r = manager.listHosts(ListHostsRequest.getDefaultInstance());
      if (printedAsJson(r)) {
        return 0;
      }
      Table t = new Table("NAME", "ID", "ENDPOINT");
      for (Host h : r.getHostsList()) {
        t.row(h.getName(), h.getId(), h.getEndpoint());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "remove", description = "Unregister a host that is no DVS's member.", mixinStandardHelpOptions = true)
  static final class Remove extends ManagerCommand {
    @Parameters(paramLabel = "HOST", description = "Host name or id.")
    String host;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      manager.removeHost(RemoveHostRequest.newBuilder().setHost(host).build());
      System.out.println("removed host " + host);
      return 0;
    }
  }
}
