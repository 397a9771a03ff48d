package io.switchplane.manager.audit;

import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.manager.changeset.EntityWrite;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.snapshot.ConfigDiff;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Makes the audit record of one generation: who (the {@link Caller} now), when, why, and what
 * turning the configuration before into the one after changed, entity by entity with old and new
 * values. The record goes into the transaction that commits the generation, so it is kept small:
 * past {@link #MAX_CHANGE_BYTES} of changes, the rest are counted, not listed.
 */
public final class ChangeRecords {
  /** Bytes of listed changes at most; a ZooKeeper transaction also carries the change itself. */
  static final int MAX_CHANGE_BYTES = 64 * 1024;

  private final Clock clock;
  private final Function<String, String> hostName;

  /**
   * @param hostName a host's name by id (its id when it is unknown)
   */
  public ChangeRecords(Clock clock, Function<String, String> hostName) {
    this.clock = clock;
    this.hostName = hostName;
  }

  /**
   * The record of after's generation. before null: the DVS is new (created or restored as new);
   * after null: before is deleted at generation.
   *
   * @param kind what made it ("change-set", "restore", ...)
   * @param description the change set's own description, used when the caller gave no comment
   */
  public ChangeRecord record(
      String kind,
      DvsConfig before,
      DvsConfig after,
      long generation,
      int opCount,
      String description) {
    DvsConfig from = before != null ? before : empty(after);
    DvsConfig to = after != null ? after : empty(before);
    return record(kind, from, to, generation, opCount, description, null);
  }

  /**
   * The record of the generation plan makes. Only what the plan writes is compared, so the commit
   * of a change set to a switch of 60,000 ports does not compare all of them.
   */
  public ChangeRecord record(String kind, Plan plan, int opCount, String description) {
    return record(
        kind,
        plan.before(),
        plan.after(),
        plan.after().generation(),
        opCount,
        description,
        scope(plan));
  }

  /** What the plan changes, entity by entity with old and new values (as its record lists). */
  public List<EntityChange> changes(Plan plan) {
    return ConfigDiff.between(plan.before(), plan.after(), hostName, scope(plan));
  }

  /** The port groups and ports the plan writes: the rest is unchanged. */
  private static ConfigDiff.Scope scope(Plan plan) {
    Set<String> groups = new HashSet<>();
    Set<String> ports = new HashSet<>();
    for (EntityWrite w : plan.writes()) {
      // Java 17: no pattern matching in switch yet.
      if (w instanceof EntityWrite.PutPortGroup p) {
        groups.add(p.portGroup().getId());
      } else if (w instanceof EntityWrite.DeletePortGroup d) {
        groups.add(d.portGroupId());
      } else if (w instanceof EntityWrite.PutPort p) {
        ports.add(p.port().getKey());
      } else if (w instanceof EntityWrite.DeletePort d) {
        ports.add(d.key());
      }
    }
    return new ConfigDiff.Scope(groups, ports);
  }

  private ChangeRecord record(
      String kind,
      DvsConfig from,
      DvsConfig to,
      long generation,
      int opCount,
      String description,
      ConfigDiff.Scope scope) {
    List<EntityChange> changes = ConfigDiff.between(from, to, hostName, scope);
    Caller caller = Caller.current();
    ChangeRecord.Builder b =
        ChangeRecord.newBuilder()
            .setDvsId(to.id())
            .setDvsName(to.dvs().getName())
            .setGeneration(generation)
            .setPrincipal(caller.principal())
            .setClientAddress(caller.address())
            .setUnixMs(clock.millis())
            .setComment(caller.comment().isEmpty() ? description : caller.comment())
            .setKind(kind)
            .setOpCount(opCount)
            .setSummary(summary(changes))
            .setRequestId(caller.requestId());
    int bytes = 0;
    for (EntityChange c : changes) {
      bytes += c.getSerializedSize();
      if (bytes > MAX_CHANGE_BYTES) {
        b.setChangesOmitted(b.getChangesOmitted() + 1);
      } else {
        b.addChanges(c);
      }
    }
    return b.build();
  }

  /** "port +2 ~1 -0, port-group ~1": the changes counted per entity kind. */
  static String summary(List<EntityChange> changes) {
    Map<String, int[]> counts = new TreeMap<>();
    for (EntityChange c : changes) {
      int[] n = counts.computeIfAbsent(c.getEntity(), e -> new int[3]);
      switch (c.getKind()) {
        case KIND_ADDED -> n[0]++;
        case KIND_REMOVED -> n[2]++;
        default -> n[1]++;
      }
    }
    StringBuilder out = new StringBuilder();
    counts.forEach(
        (entity, n) ->
            out.append(out.length() == 0 ? "" : ", ")
                .append(entity)
                .append(" +")
                .append(n[0])
                .append(" ~")
                .append(n[1])
                .append(" -")
                .append(n[2]));
    return out.length() == 0 ? "no change" : out.toString();
  }

  /** The same DVS with nothing in it (no members, port groups or ports). */
  private static DvsConfig empty(DvsConfig like) {
    return DvsConfig.of(like.dvs().toBuilder().clearMembers().build(), Map.of(), Map.of());
  }
}
