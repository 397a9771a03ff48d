package io.switchplane.cli.ops;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ListHostsRequest;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PortGroup;
import java.util.HashMap;
import java.util.Map;

/** Id → name lookups so that tables show names, not UUIDs. */
final class Names {
  private Names() {}

  static Map<String, String> hosts(ManagerServiceBlockingStub manager) {
    Map<String, String> names = new HashMap<>();
    for (Host h : manager.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList()) {
      names.put(h.getId(), h.getName());
    }
    return names;
  }

  static Map<String, String> dvs(ManagerServiceBlockingStub manager) {
    Map<String, String> names = new HashMap<>();
    for (var d : manager.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList()) {
      names.put(d.getId(), d.getName());
    }
    return names;
  }

  static Map<String, String> portGroups(ManagerServiceBlockingStub manager, String dvs) {
    Map<String, String> names = new HashMap<>();
    for (PortGroup pg :
        manager
            .listPortGroups(ListPortGroupsRequest.newBuilder().setDvs(dvs).build())
            .getPortGroupsList()) {
      names.put(pg.getId(), pg.getName());
    }
    return names;
  }
}
