package io.switchplane.cli.ops;

import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AddUserResponse;
import io.switchplane.api.v1.ListUsersRequest;
import io.switchplane.api.v1.ListUsersResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.OperatorUser;
import io.switchplane.api.v1.RemoveUserRequest;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.WhoAmIRequest;
import io.switchplane.api.v1.WhoAmIResponse;
import io.switchplane.cli.output.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `switchplane user|login|whoami`: operators, their tokens and roles. */
@Command(name = "user", mixinStandardHelpOptions = true,
    subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Remove.class},
    description = {"Operators and their roles: viewer (reads), operator (changes, snapshots, rollback), admin",
        "(hosts, namespaces, vCenters, users). While no operator exists the manager is open to everyone;",
        "the first one closes it, so add an admin first."})
public final class UserCommand {
  private UserCommand() {}

  static Role role(String label) {
    try {
      return Role.valueOf("ROLE_" + label.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Role.ROLE_UNSPECIFIED; // the manager names the valid roles
    }
  }

  static String label(Role role) {
    return role.name().replace("ROLE_", "").toLowerCase(Locale.ROOT);
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Add an operator; prints its token once.")
  static final class Add extends ManagerCommand {
    @Parameters(paramLabel = "NAME", description = "1-64 of a-z, 0-9, '.', '_', '-'.")
    String name;

    @Option(names = "--role", required = true, description = "viewer, operator or admin.")
    String role;

    @Option(names = "--dvs", split = ",", paramLabel = "DVS", description = "Only these DVSes may be changed.")
    List<String> scope = new ArrayList<>();

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      AddUserResponse r = users().addUser(AddUserRequest.newBuilder().setName(name).setRole(role(role))
          .addAllDvsScope(scope).build());
      if (printedAsJson(r)) {
        return 0;
      }
      System.out.println("added " + r.getUser().getName() + " (" + label(r.getUser().getRole()) + ")");
      System.out.println("token (shown once): " + r.getToken());
      System.out.println("the operator logs in with: switchplane login --manager " + endpoint()
          + " --token-file FILE");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List operators.")
  static final class ListUsers extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListUsersResponse r = users().listUsers(ListUsersRequest.getDefaultInstance());
      if (printedAsJson(r)) {
        return 0;
      }
      Table t = new Table("NAME", "ROLE", "DVS SCOPE", "ADDED", "BY");
      for (OperatorUser u : r.getUsersList()) {
        t.row(u.getName(), label(u.getRole()), u.getDvsScopeCount() == 0 ? "all" : String.join(",", u.getDvsScopeList()),
            Instant.ofEpochMilli(u.getCreatedUnixMs()), u.getCreatedBy());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an operator; its token stops working.")
  static final class Remove extends ManagerCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      users().removeUser(RemoveUserRequest.newBuilder().setName(name).build());
      System.out.println(json() ? "{}" : "removed " + name);
      return 0;
    }
  }

  /** `switchplane login`. */
  @Command(name = "login", mixinStandardHelpOptions = true,
      description = {"Check a token with the manager and keep it for this endpoint in the credentials file",
          "($SWITCHPLANE_CREDENTIALS, else ~/.switchplane/credentials; mode 0600)."})
  public static final class Login extends ManagerCommand {
    @Option(names = "--token", description = "The token (prefer --token-file: a command line is visible to others).")
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
        if (t == null || t.isEmpty()) {
          throw new io.switchplane.common.error.SwitchplaneException(
              io.switchplane.common.error.ErrorCode.INVALID_ARGUMENT, "give --token-file FILE or --token TOKEN");
        }
        return t;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read " + tokenFile + ": " + e.getMessage(), e);
      }
    }

    @Override
    protected int runWithToken(ManagerServiceBlockingStub manager, String usedToken) {
      WhoAmIResponse me = users().whoAmI(WhoAmIRequest.getDefaultInstance());
      if (me.getOpen()) {
        System.out.println("this manager has no operators yet: everyone is admin; nothing saved");
        return 0;
      }
      Credentials.save(endpoint(), usedToken);
      System.out.println("logged in to " + endpoint() + " as " + me.getPrincipal() + " (" + label(me.getRole())
          + "); token kept in " + Credentials.file());
      return 0;
    }
  }

  /** `switchplane whoami`. */
  @Command(name = "whoami", mixinStandardHelpOptions = true, description = "Who the manager takes you for.")
  public static final class WhoAmI extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      WhoAmIResponse me = users().whoAmI(WhoAmIRequest.getDefaultInstance());
      if (printedAsJson(me)) {
        return 0;
      }
      System.out.println(me.getPrincipal() + " (" + label(me.getRole()) + ")"
          + (me.getDvsScopeCount() == 0 ? "" : " on DVS " + String.join(",", me.getDvsScopeList()))
          + (me.getOpen() ? "; this manager has no operators: everyone is admin" : "")
          + ", calling from " + me.getAddress());
      return 0;
    }
  }
}
