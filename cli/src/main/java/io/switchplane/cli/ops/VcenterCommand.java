package io.switchplane.cli.ops;

import io.switchplane.api.v1.AddVcenterRequest;
import io.switchplane.api.v1.GetVcenterStatusRequest;
import io.switchplane.api.v1.GetVcenterStatusResponse;
import io.switchplane.api.v1.ListVcentersRequest;
import io.switchplane.api.v1.ListVcentersResponse;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.RemoveVcenterRequest;
import io.switchplane.api.v1.TrackerProblem;
import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.UpdateVcenterRequest;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterStatus;
import io.switchplane.cli.CliEnvironment;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `switchplane vcenter`: the vCenters the VM tracker follows. */
@Command(
    name = "vcenter",
    mixinStandardHelpOptions = true,
    description = {
      "Register the vCenters the VM tracker "
          + "follows; it provisions on each host's uplinks only the VLANs its powered-on VMs need."
    },
    subcommands = {
      VcenterCommand.Add.class,
      VcenterCommand.Update.class,
      VcenterCommand.ListCmd.class,
      VcenterCommand.Remove.class,
      VcenterCommand.StatusCmd.class
    })
public final class VcenterCommand {
  /** Where the password comes from when no file is given. */
  static final String PASSWORD_ENV = "SWITCHPLANE_VCENTER_PASSWORD";

  private VcenterCommand() {}

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Register a vCenter and start tracking it.",
        "The password is read from --password-file or $"
            + PASSWORD_ENV
            + " and stored sealed (AES-GCM, key file on "
            + "the manager), never in clear text.",
        "vCenter hosts and port groups map to Switchplane ones of the same name unless --map-host/--map-port-group "
            + "say otherwise."
      })
  static final class Add extends ManagerCommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the vCenter, e.g. vc1.")
    String name;

    @Option(
        names = "--url",
        required = true,
        description = "SDK URL, e.g. https://vc.example.com/sdk.")
    String url;

    @Option(
        names = "--user",
        required = true,
        description = "Login user, e.g. administrator@vsphere.local.")
    String user;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description = "File holding the password (one line).")
    Path passwordFile;

    @Option(names = "--insecure", description = "Accept any server certificate (labs only).")
    boolean insecure;

    @Option(
        names = "--trust-store",
        paramLabel = "FILE",
        description =
            "Trust store (PKCS12/JKS) with the vCenter's certificate, a path on the manager.")
    String trustStore = "";

    @Option(
        names = "--dvs",
        required = true,
        description = "The Switchplane DVS whose host uplinks to provision.")
    String dvs;

    @Option(
        names = "--uplink-port-group",
        paramLabel = "NAME",
        description =
            "Port group of the uplink ports (created if missing; default vmtracker-uplinks).")
    String uplinkPortGroup = "";

    @Option(
        names = "--pin-vlans",
        paramLabel = "VLANS",
        description =
            "VLANs every host's uplinks always carry (management, vMotion), e.g. 10,20-21.")
    String pinned = "";

    @Option(
        names = "--map-host",
        paramLabel = "VC=SP",
        description = "vCenter host name = Switchplane host name.")
    Map<String, String> hostMap = new LinkedHashMap<>();

    @Option(
        names = "--map-port-group",
        paramLabel = "VC=SP",
        description = "vCenter port group name = Switchplane port group name.")
    Map<String, String> portGroupMap = new LinkedHashMap<>();

    @Option(
        names = "--confirm-timeout",
        paramLabel = "DURATION",
        description = "Confirm timeout of the tracker's change sets, e.g. 10s (default 10s).")
    String confirmTimeout;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      String password = password();
      Vcenter vc =
          Vcenter.newBuilder()
              .setName(name)
              .setUrl(url)
              .setUser(user)
              .setInsecure(insecure)
              .setTrustStore(trustStore)
              .setTracker(
                  TrackerSettings.newBuilder()
                      .setDvs(dvs)
                      .setUplinkPortGroup(uplinkPortGroup)
                      .setPinnedVlans(pinned)
                      .putAllHostMap(hostMap)
                      .putAllPortGroupMap(portGroupMap)
                      .setConfirmTimeoutMs(
                          confirmTimeout == null
                              ? 0
                              : (int) Durations.parseMillis(confirmTimeout, "--confirm-timeout")))
              .build();
      Vcenter added =
          vcenters()
              .addVcenter(
                  AddVcenterRequest.newBuilder().setVcenter(vc).setPassword(password).build())
              .getVcenter();
      System.out.println(
          data()
              ? render(added)
              : "added vCenter "
                  + added.getName()
                  + " ("
                  + added.getUrl()
                  + "); follow it with 'switchplane vcenter status "
                  + added.getName()
                  + "'");
      return 0;
    }

    private String password() {
      if (passwordFile != null) {
        return readPassword(spec, passwordFile);
      }
      String env = CliEnvironment.get(PASSWORD_ENV);
      if (env == null || env.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "no password: give --password-file FILE or set $" + PASSWORD_ENV);
      }
      return env;
    }
  }

  static String readPassword(CommandSpec spec, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "cannot read --password-file " + file + ": " + e);
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Change a registered vCenter in place: "
            + "only the options given change; its tracker restarts with the result.",
        "Without --password-file the stored password is kept. The uplinks keep what they carry until the restarted "
            + "tracker has synced. Refused (ABORTED) when someone else changed the vCenter meanwhile: run it again."
      })
  static final class Update extends ManagerCommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the vCenter.")
    String name;

    @Option(names = "--url", description = "New SDK URL.")
    String url;

    @Option(names = "--user", description = "New login user.")
    String user;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description = "File holding the new password.")
    Path passwordFile;

    @Option(
        names = "--insecure",
        negatable = true,
        description = "Accept any server certificate (--no-insecure: verify it again).")
    Boolean insecure;

    @Option(
        names = "--trust-store",
        paramLabel = "FILE",
        description =
            "Trust store with the vCenter's certificate, a path on the manager; \"\" for the JVM's.")
    String trustStore;

    @Option(names = "--dvs", description = "The Switchplane DVS whose host uplinks to provision.")
    String dvs;

    @Option(
        names = "--uplink-port-group",
        paramLabel = "NAME",
        description = "Port group of the uplink ports.")
    String uplinkPortGroup;

    @Option(
        names = "--pin-vlans",
        paramLabel = "VLANS",
        description = "VLANs always carried; \"\" for none.")
    String pinned;

    @Option(
        names = "--map-host",
        paramLabel = "VC=SP",
        description = "Add or change a host mapping.")
    Map<String, String> mapHost = new LinkedHashMap<>();

    @Option(
        names = "--unmap-host",
        paramLabel = "VC",
        description = "Drop a host mapping (back to by-name).")
    List<String> unmapHost = new ArrayList<>();

    @Option(
        names = "--map-port-group",
        paramLabel = "VC=SP",
        description = "Add or change a port group mapping.")
    Map<String, String> mapPortGroup = new LinkedHashMap<>();

    @Option(
        names = "--unmap-port-group",
        paramLabel = "VC",
        description = "Drop a port group mapping.")
    List<String> unmapPortGroup = new ArrayList<>();

    @Option(
        names = "--confirm-timeout",
        paramLabel = "DURATION",
        description = "Confirm timeout, e.g. 10s.")
    String confirmTimeout;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (Boolean.TRUE.equals(insecure) && trustStore != null && !trustStore.isEmpty()) {
        // merged() would let the later one win silently; add refuses the pair, and so does this.
        throw new ParameterException(
            spec.commandLine(), "give --insecure or --trust-store, not both");
      }
      String password = passwordFile == null ? "" : readPassword(spec, passwordFile);
      Vcenter current =
          vcenters()
              .listVcenters(ListVcentersRequest.getDefaultInstance())
              .getVcentersList()
              .stream()
              .filter(v -> v.getName().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ParameterException(
                          spec.commandLine(),
                          "vCenter '"
                              + name
                              + "' not found; 'switchplane vcenter list' shows the "
                              + "registered ones"));
      Vcenter changed =
          vcenters()
              .updateVcenter(
                  UpdateVcenterRequest.newBuilder()
                      .setVcenter(merged(current))
                      .setPassword(password)
                      .setExpectedRevision(current.getRevision())
                      .build())
              .getVcenter();
      System.out.println(
          data()
              ? render(changed)
              : "changed vCenter "
                  + changed.getName()
                  + " (revision "
                  + changed.getRevision()
                  + "); its tracker restarted: follow it with 'switchplane vcenter status "
                  + changed.getName()
                  + "'");
      return 0;
    }

    Vcenter merged(Vcenter current) {
      Vcenter.Builder vc = current.toBuilder();
      TrackerSettings.Builder t = vc.getTrackerBuilder();
      if (url != null) {
        vc.setUrl(url);
      }
      if (user != null) {
        vc.setUser(user);
      }
      if (trustStore != null) {
        vc.setTrustStore(trustStore);
        vc.setInsecure(false);
      }
      if (insecure != null) {
        vc.setInsecure(insecure);
        if (insecure) {
          vc.setTrustStore("");
        }
      }
      if (dvs != null) {
        t.setDvs(dvs);
      }
      if (uplinkPortGroup != null) {
        t.setUplinkPortGroup(uplinkPortGroup);
      }
      if (pinned != null) {
        t.setPinnedVlans(pinned);
      }
      unmapHost.forEach(t::removeHostMap);
      t.putAllHostMap(mapHost);
      unmapPortGroup.forEach(t::removePortGroupMap);
      t.putAllPortGroupMap(mapPortGroup);
      if (confirmTimeout != null) {
        t.setConfirmTimeoutMs((int) Durations.parseMillis(confirmTimeout, "--confirm-timeout"));
      }
      return vc.build();
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the registered vCenters.")
  static final class ListCmd extends ManagerCommand {
    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      ListVcentersResponse r = vcenters().listVcenters(ListVcentersRequest.getDefaultInstance());
      if (printedAsData(r)) {
        return 0;
      }
      Table t =
          new Table("NAME", "URL", "USER", "TLS", "DVS", "UPLINK-PORT-GROUP", "PINNED", "REV");
      for (Vcenter vc : r.getVcentersList()) {
        t.row(
            vc.getName(),
            vc.getUrl(),
            vc.getUser(),
            vc.getInsecure()
                ? "insecure"
                : vc.getTrustStore().isEmpty() ? "jvm trust" : vc.getTrustStore(),
            vc.getTracker().getDvs(),
            vc.getTracker().getUplinkPortGroup().isEmpty()
                ? "vmtracker-uplinks"
                : vc.getTracker().getUplinkPortGroup(),
            vc.getTracker().getPinnedVlans().isEmpty() ? "none" : vc.getTracker().getPinnedVlans(),
            String.valueOf(vc.getRevision()));
      }
      print(t);
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "Stop tracking a vCenter and forget it.",
        "The uplink ports keep what they carry until changed."
      })
  static final class Remove extends ManagerCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the vCenter.")
    String name;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      vcenters().removeVcenter(RemoveVcenterRequest.newBuilder().setName(name).build());
      System.out.println(data() ? "{}" : "removed vCenter " + name);
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Connection, sync lag and provisioning "
            + "of one vCenter or all, with the mapping problems."
      })
  static final class StatusCmd extends ManagerCommand {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "NAME",
        description = "Name of the vCenter (default: all).")
    String name = "";

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      GetVcenterStatusRequest request = GetVcenterStatusRequest.newBuilder().setName(name).build();
      GetVcenterStatusResponse r =
          withOwnersStatuses(manager, request, vcenters().getVcenterStatus(request));
      if (printedAsData(r)) {
        return 0;
      }
      if (r.getStatusesCount() == 0) {
        System.out.println(
            "no vCenter is configured: 'switchplane vcenter add NAME --url URL ...' follows one");
      }
      for (VcenterStatus s : r.getStatusesList()) {
        print(s, System.out);
      }
      return 0;
    }

    /**
     * r with each vCenter this manager does not run (state {@value #NOT_RUNNING}) replaced by the
     * status of the manager that runs it: with leadership per DVS each tracker runs on its DVS's
     * owner, and any manager asked shows them all.
     */
    private GetVcenterStatusResponse withOwnersStatuses(
        ManagerServiceBlockingStub manager,
        GetVcenterStatusRequest request,
        GetVcenterStatusResponse r) {
      if (r.getStatusesList().stream().noneMatch(s -> NOT_RUNNING.equals(s.getState()))) {
        return r;
      }
      Map<String, VcenterStatus> running = new LinkedHashMap<>();
      for (io.switchplane.api.v1.ManagerEntry m : owningManagers(manager)) {
        onChannelTo(
                m.getEndpoint(),
                ch ->
                    io.switchplane.api.v1.VcenterServiceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                        .getVcenterStatus(request))
            .getStatusesList()
            .stream()
            .filter(s -> !NOT_RUNNING.equals(s.getState()))
            .forEach(s -> running.put(s.getName(), s));
      }
      GetVcenterStatusResponse.Builder out = GetVcenterStatusResponse.newBuilder();
      for (VcenterStatus s : r.getStatusesList()) {
        out.addStatuses(running.getOrDefault(s.getName(), s));
      }
      return out.build();
    }

    /** The state of a vCenter whose tracker runs on another manager than the one asked. */
    static final String NOT_RUNNING = "NOT_RUNNING";

    static void print(VcenterStatus s, PrintStream out) {
      out.printf(
          "vCenter %s: %s%s%n",
          s.getName(), s.getState(), s.getMessage().isEmpty() ? "" : " (" + s.getMessage() + ")");
      out.printf(
          "  inventory     %d hosts, %d VMs (%d powered on), version %s%n",
          s.getHosts(),
          s.getVms(),
          s.getVmsPoweredOn(),
          s.getVersion().isEmpty() ? "-" : s.getVersion());
      out.printf(
          "  sync          last full %s, last update %s, lag %d ms, %d updates, %d full syncs%n",
          time(s.getLastFullSyncMs()),
          time(s.getLastUpdateMs()),
          s.getLagMs(),
          s.getUpdates(),
          s.getFullSyncs());
      if (s.getFailures() > 0) {
        out.printf(
            "  retrying      %d failed attempt(s), next at %s%n",
            s.getFailures(), time(s.getNextRetryMs()));
      }
      out.printf(
          "  provisioning  generation %s at %s, %d host(s) not yet as needed%s%n",
          s.getProvisionedGeneration() == 0 ? "-" : String.valueOf(s.getProvisionedGeneration()),
          time(s.getProvisionedMs()),
          s.getHostsOutOfSync(),
          s.getProvisionError().isEmpty() ? "" : "; last error: " + s.getProvisionError());
      if (s.getProblemsCount() > 0) {
        out.printf("  problems (%d):%n", s.getProblemsCount());
        Table t = new Table("    KIND", "OBJECT", "WHAT TO DO");
        for (TrackerProblem p : s.getProblemsList()) {
          t.row("    " + p.getKind(), p.getObject(), p.getMessage());
        }
        t.print(out);
      }
    }

    private static String time(long ms) {
      return ms == 0 ? "never" : Describe.time(ms);
    }
  }
}
