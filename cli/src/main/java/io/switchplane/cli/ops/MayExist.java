package io.switchplane.cli.ops;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * {@code --may-exist} of the create verbs, as ovs-vsctl's: creating what exists already with the
 * same settings is no error (exit 0), so that a script may run again; what exists with other
 * settings still is (ALREADY_EXISTS, exit 4), naming the settings that differ.
 */
final class MayExist {
  @Option(
      names = "--may-exist",
      description =
          "When it exists already with these settings, do nothing and exit 0 (as ovs-vsctl"
              + " --may-exist); with other settings it is still an error naming them (exit 4).")
  boolean enabled;

  /**
   * What a create that failed does next: rethrows failure unless it is ALREADY_EXISTS under
   * --may-exist and the existing object has the settings asked for; then prints so (not with -o
   * json|yaml) and returns exit 0.
   *
   * @param what the object, e.g. "DVS dvs1"
   * @param compare reads the existing object and adds the names of settings that differ; a failure
   *     to read it (the refusal was about something else) rethrows failure
   */
  int existing(
      StatusRuntimeException failure, String what, boolean quiet, Consumer<Differences> compare) {
    if (!enabled || failure.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
      throw failure;
    }
    Differences d = new Differences();
    try {
      compare.accept(d);
    } catch (StatusRuntimeException | SwitchplaneException e) {
      throw failure;
    }
    if (!d.names.isEmpty()) {
      throw SwitchplaneException.alreadyExists(
          "%s exists with other settings (%s differ); --may-exist accepts only the same ones",
          what, String.join(", ", d.names));
    }
    if (!quiet) {
      System.out.println(what + " exists already with these settings: nothing to do");
    }
    return 0;
  }

  /** The settings of an existing object that differ from those asked for. */
  static final class Differences {
    private final List<String> names = new ArrayList<>();

    /** Notes name when asked (given) and existing differ. */
    Differences check(String name, Object asked, Object existing) {
      if (!Objects.equals(asked, existing)) {
        names.add(name);
      }
      return this;
    }

    /** As {@link #check}, only when the setting was given (else the existing one is fine). */
    Differences checkGiven(String name, boolean given, Object asked, Object existing) {
      return given ? check(name, asked, existing) : this;
    }
  }
}
