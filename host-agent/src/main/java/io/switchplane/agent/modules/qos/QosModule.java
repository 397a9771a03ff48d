package io.switchplane.agent.modules.qos;

import com.google.protobuf.ByteString;
import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.agent.backend.OvsPolicing;
import io.switchplane.agent.backend.OvsPolicing.Policing;
import io.switchplane.agent.modules.ModuleContext;
import io.switchplane.agent.modules.ModuleException;
import io.switchplane.agent.modules.PropertyModule;
import io.switchplane.agent.modules.PropertyUpdate;
import io.switchplane.agent.modules.Publisher;
import io.switchplane.agent.modules.SwitchValues;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.common.properties.Entity;
import io.switchplane.common.properties.QosValues;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Switchplane's own module for {@value BuiltInNamespaces#QOS}: a port's effective {@code rate-kbps}
 * (inherited DVS → port group → port like any property) becomes its ingress rate limit, with {@code
 * burst-kb} as the burst (default: a tenth of the rate, at least 1). Values are decimal text. With
 * the ovs backend the limit is OVS ingress policing on the port's interface ({@link OvsPolicing});
 * with the others it is recorded here. Each port's limit is published back as the runtime value
 * {@code applied} ("rate-kbps=R burst-kb=B via=ovs").
 *
 * <p>A value that is not a number between 0 and {@value #MAX_RATE_KBPS} fails the apply (this
 * module is not advisory), before anything is changed.
 */
public final class QosModule implements PropertyModule {
  public static final String RATE = QosValues.RATE;
  public static final String BURST = QosValues.BURST;
  public static final String APPLIED = "applied";
  public static final long MAX_RATE_KBPS = QosValues.MAX_RATE_KBPS;

  private final Map<String, Map<String, Policing>> recorded = new ConcurrentHashMap<>();
  private volatile OvsPolicing ovs;
  private volatile String via = "memory";
  private volatile Publisher publisher;

  @Override
  public String namespace() {
    return BuiltInNamespaces.QOS;
  }

  @Override
  public void onStart(ModuleContext context, List<SwitchValues> switches) throws ModuleException {
    publisher = context.publisher();
    via = context.backend();
    if (OvsBackend.isOvs(context.backend())) {
      ovs =
          new OvsPolicing(
              context
                  .ovsdb()
                  .orElseThrow(() -> new ModuleException("the ovs backend has no ovsdb")));
    }
    for (SwitchValues s : switches) {
      Map<String, Policing> limits = new TreeMap<>();
      s.values()
          .forEach(
              (entity, values) -> {
                if (entity.kind() == EntityKind.ENTITY_KIND_PORT) {
                  limits.put(
                      entity.id(),
                      null); // parsed below, so that a bad value fails with its port named
                }
              });
      for (String key : limits.keySet()) {
        limits.put(key, parse(key, s.values().get(Entity.port(key))));
      }
      enforce(s.dvsId(), limits);
    }
  }

  @Override
  public void onApply(PropertyUpdate update) throws ModuleException {
    Map<String, Policing> limits = new TreeMap<>();
    for (PropertyUpdate.EntityChange c : update.changes()) {
      if (c.entity().kind() == EntityKind.ENTITY_KIND_PORT) {
        limits.put(c.entity().id(), parse(c.entity().id(), c.now()));
      }
    }
    enforce(update.dvsId(), limits);
  }

  /** The limits recorded for the ports of dvsId (those with a rate), by port key. */
  public Map<String, Policing> recorded(String dvsId) {
    Map<String, Policing> all = recorded.getOrDefault(dvsId, Map.of());
    Map<String, Policing> out = new TreeMap<>();
    all.forEach(
        (k, p) -> {
          if (p.rateKbps() > 0) {
            out.put(k, p);
          }
        });
    return Collections.unmodifiableMap(out);
  }

  private void enforce(String dvsId, Map<String, Policing> limits) throws ModuleException {
    if (limits.isEmpty()) {
      return;
    }
    OvsPolicing o = ovs;
    if (o != null) {
      try {
        o.apply(dvsId, limits);
      } catch (BackendException e) {
        throw new ModuleException(e.getMessage(), e);
      }
    }
    Map<String, Policing> mine = recorded.computeIfAbsent(dvsId, id -> new ConcurrentHashMap<>());
    Publisher p = publisher;
    for (Map.Entry<String, Policing> e : limits.entrySet()) {
      mine.put(e.getKey(), e.getValue());
      if (p != null) {
        if (e.getValue().rateKbps() == 0) {
          p.retract(dvsId, Entity.port(e.getKey()), APPLIED);
        } else {
          p.publish(
              dvsId,
              Entity.port(e.getKey()),
              APPLIED,
              ByteString.copyFromUtf8(
                  "rate-kbps="
                      + e.getValue().rateKbps()
                      + " burst-kb="
                      + e.getValue().burstKb()
                      + " via="
                      + via),
              false);
        }
      }
    }
  }

  /** The policing a port's effective values ask for; rate 0 (none) when it has no rate. */
  static Policing parse(String port, Map<String, ByteString> values) throws ModuleException {
    SortedMap<String, ByteString> v = values == null ? new TreeMap<>() : new TreeMap<>(values);
    long rate = number(port, RATE, v.get(RATE));
    if (rate == 0) {
      return new Policing(0, 0);
    }
    long burst = v.containsKey(BURST) ? number(port, BURST, v.get(BURST)) : Math.max(1, rate / 10);
    return new Policing(rate, burst);
  }

  private static long number(String port, String key, ByteString raw) throws ModuleException {
    try {
      return QosValues.number(key, raw);
    } catch (SwitchplaneException e) {
      throw new ModuleException("port " + port + ": " + e.getMessage(), e);
    }
  }
}
