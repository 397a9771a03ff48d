package io.switchplane.agent.backend.openflow;

import java.util.Objects;

/**
 * One change of a switch's flow table: {@link Command#ADD} puts the flow in (replacing the entry
 * with its key, counters reset), {@link Command#DELETE_STRICT} takes out the entry with the flow's
 * key (nothing when there is none).
 */
public record FlowMod(Command command, Flow flow) {
  public enum Command {
    ADD,
    DELETE_STRICT
  }

  public FlowMod {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(flow, "flow");
  }

  public static FlowMod add(Flow flow) {
    return new FlowMod(Command.ADD, flow);
  }

  public static FlowMod delete(Flow flow) {
    return new FlowMod(Command.DELETE_STRICT, flow);
  }
}
