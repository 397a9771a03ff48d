package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.denied;
import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The rules of networks owned by a network manager (NSX's segments, read-only "opaque" networks in
 * vCenter), in one place. A port group's {@code owner} is the network manager that published it
 * (empty: operators own it). Only its owner changes or withdraws an owned port group, and a network
 * manager changes only its own: any other change of its settings, properties or existence is
 * PERMISSION_DENIED naming the owner, reason {@link ErrorReason#NETWORK_OWNED}. Ports attached to
 * it are no change of it: operators create, change and delete them freely. A network manager picks
 * its network's logical network id (a UUID, unique); operators' port groups get one made by the
 * manager. Pure: no I/O.
 */
public final class OwnedNetworks {
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private OwnedNetworks() {}

  /**
   * The logical network id of a port group author creates: for operators a new one (the request
   * must leave it and the owner empty); for a network manager the one it asked for, a UUID not yet
   * used in the DVS (lower case).
   */
  static String newLogicalNetworkId(Author author, PortGroup requested, DvsConfig.Builder config) {
    String asked = requested.getLogicalNetworkId();
    if (!author.isNetworkManager()) {
      if (!requested.getOwner().isEmpty()) {
        throw denied(
                "port group '%s': only a network manager publishes an owned network, through"
                    + " NetworkManagerService; leave owner empty",
                requested.getName())
            .because(ErrorReason.NETWORK_OWNED);
      }
      if (!asked.isEmpty()) {
        throw invalid(
                "port group '%s': the logical network id is made by the manager; leave it empty",
                requested.getName())
            .because(ErrorReason.LOGICAL_NETWORK_ID_IMMUTABLE);
      }
      return UUID.randomUUID().toString();
    }
    if (!UUID_TEXT.matcher(asked).matches()) {
      throw invalid(
          "network '%s': logical network id '%s' is not a UUID (8-4-4-4-12 hex digits)",
          requested.getName(), asked.length() > 40 ? asked.substring(0, 37) + "..." : asked);
    }
    String id = asked.toLowerCase(Locale.ROOT);
    for (PortGroup other : config.portGroups().values()) {
      if (other.getLogicalNetworkId().equals(id)) {
        throw alreadyExists(
            "logical network id %s is taken by port group '%s' of DVS '%s'%s",
            id, other.getName(), config.dvs().getName(), ownedBy(other));
      }
    }
    return id;
  }

  /**
   * Refuses author changing, withdrawing or deleting current unless it is current's owner
   * (operators own the port groups no network manager owns).
   */
  static void requireMayChange(Author author, PortGroup current) {
    if (!current.getOwner().equals(author.networkManager())) {
      throw refusal(author, current);
    }
  }

  /** Settings may repeat the owner (a read-modify-write) or leave it empty, nothing else. */
  static void requireSameOwner(PortGroup current, PortGroup settings) {
    if (settings != null
        && !settings.getOwner().isEmpty()
        && !settings.getOwner().equals(current.getOwner())) {
      throw denied(
              "port group '%s': its owner is set only by publishing it through"
                  + " NetworkManagerService; leave owner empty",
              current.getName())
          .because(ErrorReason.NETWORK_OWNED);
    }
  }

  /**
   * Refuses replacing before with target (a snapshot restore) when it would change, remove or add
   * an owned port group: an owned network changes only through its owner.
   */
  public static void requireKept(DvsConfig before, DvsConfig target) {
    for (PortGroup was : before.portGroups().values()) {
      if (was.getOwner().isEmpty()) {
        continue;
      }
      PortGroup now = target.portGroups().get(was.getId());
      if (now == null || !now.equals(was)) {
        throw denied(
                "port group '%s' is owned by network manager '%s': the restore would %s it;"
                    + " only its owner changes it",
                was.getName(), was.getOwner(), now == null ? "remove" : "change")
            .because(ErrorReason.NETWORK_OWNED);
      }
    }
    for (PortGroup now : target.portGroups().values()) {
      if (!now.getOwner().isEmpty() && !before.portGroups().containsKey(now.getId())) {
        throw denied(
                "port group '%s' of network manager '%s' is not published now: the restore would"
                    + " bring it back; only its owner publishes it",
                now.getName(), now.getOwner())
            .because(ErrorReason.NETWORK_OWNED);
      }
    }
  }

  /** Refuses deleting a DVS that has owned port groups: their owners withdraw them first. */
  public static void requireNoneIn(DvsConfig config) {
    Map<String, List<String>> byOwner = new java.util.TreeMap<>();
    for (PortGroup pg : config.portGroups().values()) {
      if (!pg.getOwner().isEmpty()) {
        byOwner.computeIfAbsent(pg.getOwner(), o -> new ArrayList<>()).add(pg.getName());
      }
    }
    if (!byOwner.isEmpty()) {
      List<String> parts = new ArrayList<>();
      byOwner.forEach(
          (owner, names) ->
              parts.add("network manager '" + owner + "' (" + PlanState.sample(names) + ")"));
      throw denied(
              "DVS '%s' has networks owned by %s; their owners withdraw them first",
              config.dvs().getName(), String.join(", ", parts))
          .because(ErrorReason.NETWORK_OWNED);
    }
  }

  private static SwitchplaneException refusal(Author author, PortGroup current) {
    String message =
        current.getOwner().isEmpty()
            ? String.format(
                "port group '%s' is operators', not a network of %s; a network manager changes only"
                    + " the networks it published",
                current.getName(), author.describe())
            : String.format(
                "port group '%s' is owned by network manager '%s'; only it changes or withdraws"
                    + " it (ports may be attached)",
                current.getName(), current.getOwner());
    return denied("%s", message).because(ErrorReason.NETWORK_OWNED);
  }

  private static String ownedBy(PortGroup pg) {
    return pg.getOwner().isEmpty() ? "" : " (owned by network manager '" + pg.getOwner() + "')";
  }
}
