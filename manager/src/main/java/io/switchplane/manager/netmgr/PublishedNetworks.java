package io.switchplane.manager.netmgr;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;

import com.google.protobuf.FieldMask;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.OwnedNetwork;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.manager.changeset.Author;
import io.switchplane.manager.changeset.OwnedNetworks;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.service.ConfigService.CommitResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A network manager's networks: it publishes one into a DVS as a port group it owns, under the
 * logical network id it chose, changes and withdraws it; anyone may list them. Every write is a
 * change set of one port group op, planned for the network manager ({@link Author}) and committed
 * by {@link ConfigService} like any other (one ZooKeeper transaction, pushed to the member hosts),
 * so that the rules of who may change what are {@link OwnedNetworks}'s alone.
 *
 * <p>A logical network id is unique in the cluster: the planner checks the DVS under its lock, and
 * publishes are serialised here so that the check across the other DVSes (the leader's cache) and
 * the commit are one step. Operators' port groups never take a chosen id (theirs are random UUIDs),
 * so publishes are the only writes that could collide.
 */
public final class PublishedNetworks {
  private final ConfigService config;
  private final ReentrantLock publishing = new ReentrantLock();

  public PublishedNetworks(ConfigService config) {
    this.config = config;
  }

  /** Publishes settings into DVS dvsRef as a port group owned by owner with logical id. */
  public CommitResult publish(
      Author owner, String dvsRef, String logicalId, PortGroup settings, long expectedGeneration) {
    requireNetworkManager(owner);
    PortGroup requested =
        settings.toBuilder()
            .setLogicalNetworkId(logicalId)
            .setOwner(owner.networkManager())
            .build();
    publishing.lock();
    try {
      config.checkLeader();
      String dvsId = config.config(dvsRef).id();
      String wanted = logicalId.toLowerCase(Locale.ROOT);
      for (DvsConfig other : config.configs()) {
        if (other.id().equals(dvsId)) {
          continue; // the planner checks this one under its lock, with the same message
        }
        for (PortGroup pg : other.portGroups().values()) {
          if (pg.getLogicalNetworkId().equals(wanted)) {
            throw alreadyExists(
                "logical network id %s is taken by port group '%s' of DVS '%s'",
                wanted, pg.getName(), other.dvs().getName());
          }
        }
      }
      return config.commit(
          dvsRef,
          List.of(ChangeOp.newBuilder().setCreatePortGroup(requested).build()),
          expectedGeneration,
          "publish network " + wanted,
          CommitOptions.DEFAULT,
          owner);
    } finally {
      publishing.unlock();
    }
  }

  /** Changes owner's network logicalId (settings, or only the fields mask names). */
  public CommitResult update(
      Author owner, String logicalId, PortGroup settings, FieldMask mask, long expectedGeneration) {
    requireNetworkManager(owner);
    Located found = locate(logicalId);
    PortGroupUpdate.Builder op =
        PortGroupUpdate.newBuilder().setPortGroup(found.portGroup().getId()).setSettings(settings);
    if (mask != null) {
      op.setUpdateMask(mask);
    }
    return config.commit(
        found.dvsId(),
        List.of(ChangeOp.newBuilder().setUpdatePortGroup(op).build()),
        expectedGeneration,
        "update network " + found.portGroup().getLogicalNetworkId(),
        CommitOptions.DEFAULT,
        owner);
  }

  /** Withdraws owner's network logicalId. FAILED_PRECONDITION while ports are attached. */
  public CommitResult withdraw(Author owner, String logicalId, long expectedGeneration) {
    requireNetworkManager(owner);
    Located found = locate(logicalId);
    return config.commit(
        found.dvsId(),
        List.of(ChangeOp.newBuilder().setDeletePortGroup(found.portGroup().getId()).build()),
        expectedGeneration,
        "withdraw network " + found.portGroup().getLogicalNetworkId(),
        CommitOptions.DEFAULT,
        owner);
  }

  /** The owned networks (of owner; empty: of every owner), by owner, DVS name, name. */
  public List<OwnedNetwork> list(String owner) {
    List<OwnedNetwork> out = new ArrayList<>();
    for (DvsConfig c : config.configs()) {
      Map<String, Integer> ports = new HashMap<>();
      c.ports().values().forEach(p -> ports.merge(p.getPortGroupId(), 1, Integer::sum));
      for (PortGroup pg : c.portGroups().values()) {
        if (!pg.getOwner().isEmpty() && (owner.isEmpty() || pg.getOwner().equals(owner))) {
          out.add(
              OwnedNetwork.newBuilder()
                  .setDvsName(c.dvs().getName())
                  .setPortGroup(pg)
                  .setPorts(ports.getOrDefault(pg.getId(), 0))
                  .build());
        }
      }
    }
    out.sort(
        Comparator.comparing((OwnedNetwork n) -> n.getPortGroup().getOwner())
            .thenComparing(OwnedNetwork::getDvsName)
            .thenComparing(n -> n.getPortGroup().getName()));
    return out;
  }

  private record Located(String dvsId, PortGroup portGroup) {}

  /** The port group of a logical network id, in whichever DVS. NOT_FOUND when none has it. */
  private Located locate(String logicalId) {
    if (logicalId.isEmpty()) {
      throw invalid("logical_network_id is required");
    }
    String wanted = logicalId.toLowerCase(Locale.ROOT);
    for (DvsConfig c : config.configs()) {
      for (PortGroup pg : c.portGroups().values()) {
        if (pg.getLogicalNetworkId().equals(wanted)) {
          return new Located(c.id(), pg);
        }
      }
    }
    throw notFound(
        "no port group has logical network id '%s'",
        logicalId.length() > 40 ? logicalId.substring(0, 37) + "..." : logicalId);
  }

  private static void requireNetworkManager(Author author) {
    if (!author.isNetworkManager()) {
      throw new IllegalArgumentException("the author of a network manager's write is one");
    }
  }
}
