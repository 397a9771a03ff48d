package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.model.PolicyResolver;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies a change set (a list of {@link ChangeOp}) to a DVS configuration, in order, each op
 * seeing the ones before it, and says what the store must write.
 *
 * <p>Pure: no I/O (hosts are looked up through {@link HostLookup}), and the input configuration is
 * never modified (it is immutable; the planner works on a copy). Every rule failure is a {@link
 * SwitchplaneException}: INVALID_ARGUMENT for bad values and malformed ops, NOT_FOUND for unknown
 * references, ALREADY_EXISTS for duplicate names and keys, FAILED_PRECONDITION when the current
 * configuration forbids the op (in use, not a member). In a change set of several ops the message
 * starts with the op's position.
 *
 * <p>Names of other switches are not checked here (the planner sees one DVS); the store's name
 * index does that inside the transaction.
 */
public final class ChangeSetPlanner {
  /** Most operations in one change set (the wire contract says 1 to 20,000). */
  public static final int MAX_OPS = 20_000;

  /** Uplinks of a DVS created without any. */
  public static final List<String> DEFAULT_UPLINKS = List.of("uplink1", "uplink2");

  private final HostLookup hosts;
  private final NamespaceLookup namespaces;
  private final Supplier<String> ids;

  public ChangeSetPlanner(HostLookup hosts, NamespaceLookup namespaces) {
    this(hosts, namespaces, () -> UUID.randomUUID().toString());
  }

  /** A planner that knows no property namespace (every property op is refused). */
  public ChangeSetPlanner(HostLookup hosts, Supplier<String> ids) {
    this(hosts, ns -> false, ids);
  }

  /** ids supplies the ids of new port groups (tests pass a predictable one). */
  public ChangeSetPlanner(HostLookup hosts, NamespaceLookup namespaces, Supplier<String> ids) {
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
    this.ids = Objects.requireNonNull(ids, "ids");
  }

  /**
   * The record of a new DVS: the requested settings with defaults applied (uplinks {@link
   * #DEFAULT_UPLINKS}, MTU 1500), the given id, generation 1 and no members; validated.
   */
  public static Dvs newDvs(String id, Dvs requested) {
    Dvs.Builder b =
        requested.toBuilder()
            .clearMembers()
            .clearProperties()
            .clearGenerationBase()
            .setId(id)
            .setGeneration(1);
    if (b.getUplinksCount() == 0) {
      b.addAllUplinks(DEFAULT_UPLINKS);
    }
    if (b.getMtu() == 0) {
      b.setMtu(PolicyResolver.DEFAULT_MTU);
    }
    Dvs dvs = b.build();
    ModelValidator.validateDvsSettings(dvs);
    return dvs;
  }

  /** Plans ops against before for operators. */
  public Plan plan(DvsConfig before, List<ChangeOp> ops) {
    return plan(before, ops, Author.OPERATOR);
  }

  /**
   * Plans ops against before for author (who may change owned port groups: {@link OwnedNetworks}).
   * The result's configuration is at before's generation + 1.
   */
  public Plan plan(DvsConfig before, List<ChangeOp> ops, Author author) {
    if (ops.isEmpty()) {
      throw invalid("the change set has no operations; give 1 to %,d", MAX_OPS);
    }
    if (ops.size() > MAX_OPS) {
      throw invalid(
          "the change set has %,d operations, the limit is %,d; split it", ops.size(), MAX_OPS);
    }
    Run work = new Run(before, author);
    for (int i = 0; i < ops.size(); i++) {
      try {
        work.apply(ops.get(i));
      } catch (SwitchplaneException e) {
        if (ops.size() == 1) {
          throw e;
        }
        SwitchplaneException placed =
            new SwitchplaneException(
                e.code(),
                "operation "
                    + (i + 1)
                    + " of "
                    + ops.size()
                    + " ("
                    + opName(ops.get(i))
                    + "): "
                    + e.getMessage(),
                e);
        // The typed reason goes with the placed message: callers act on it, not on the text.
        throw e.reason().map(placed::because).orElse(placed);
      }
    }
    return work.finish();
  }

  private static String opName(ChangeOp op) {
    return op.getOpCase().name().toLowerCase(Locale.ROOT);
  }

  /**
   * One planning run: its working state and the handler of each kind of op, which all edit that
   * state.
   */
  private final class Run {
    private final PlanState state;
    private final DvsOps dvs;
    private final PortGroupOps portGroups;
    private final PortOps ports;
    private final MemberOps members;
    private final PropertyPlanning properties;

    Run(DvsConfig before, Author author) {
      state = new PlanState(before, hosts, author);
      dvs = new DvsOps(state);
      portGroups = new PortGroupOps(state, ids);
      ports = new PortOps(state);
      members = new MemberOps(state);
      properties = new PropertyPlanning(namespaces, state);
    }

    void apply(ChangeOp op) {
      if (op.hasUpdateDvsMask() && op.getOpCase() != ChangeOp.OpCase.UPDATE_DVS) {
        throw invalid("update_dvs_mask goes with an update_dvs operation only");
      }
      switch (op.getOpCase()) {
        case UPDATE_DVS ->
            dvs.update(op.getUpdateDvs(), op.hasUpdateDvsMask() ? op.getUpdateDvsMask() : null);
        case CREATE_PORT_GROUP -> portGroups.create(op.getCreatePortGroup());
        case UPDATE_PORT_GROUP ->
            portGroups.update(
                op.getUpdatePortGroup().getPortGroup(),
                op.getUpdatePortGroup().hasSettings()
                    ? op.getUpdatePortGroup().getSettings()
                    : null,
                op.getUpdatePortGroup().hasUpdateMask()
                    ? op.getUpdatePortGroup().getUpdateMask()
                    : null);
        case DELETE_PORT_GROUP -> portGroups.delete(op.getDeletePortGroup());
        case CREATE_PORT -> ports.create(op.getCreatePort());
        case UPDATE_PORT ->
            ports.update(
                op.getUpdatePort().getKey(),
                op.getUpdatePort().hasSettings() ? op.getUpdatePort().getSettings() : null,
                op.getUpdatePort().hasUpdateMask() ? op.getUpdatePort().getUpdateMask() : null);
        case DELETE_PORT -> ports.delete(op.getDeletePort());
        case ADD_MEMBER -> members.add(op.getAddMember());
        case REMOVE_MEMBER -> members.remove(op.getRemoveMember());
        case PROPERTY -> properties.apply(op.getProperty());
        case OP_NOT_SET ->
            throw invalid(
                "empty operation: set one of update_dvs, create_port_group, "
                    + "update_port_group, delete_port_group, create_port, update_port, delete_port, add_member, "
                    + "remove_member, property");
      }
    }

    Plan finish() {
      return state.finish(properties);
    }
  }

  /** Whether two DVS records put the same constraints on members, port groups and ports. */
  static boolean sameSettings(Dvs a, Dvs b) {
    return a.getUplinksList().equals(b.getUplinksList())
        && a.getMtu() == b.getMtu()
        && a.getDefaultPolicy().equals(b.getDefaultPolicy());
  }
}
