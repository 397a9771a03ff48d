package io.switchplane.manager.changeset;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import java.util.HashSet;
import java.util.Set;

/**
 * The host ids of the members of the DVS record being planned, as a set, rebuilt only when the
 * record changes. Port checks look members up here: scanning the member list for every port made a
 * DVS-wide change cost ports x members (60,000 x 2,000 string compares per commit).
 */
final class MemberIds {
  private Dvs of;
  private Set<String> ids;

  /** Whether hostId is a member of dvs. */
  boolean contains(Dvs dvs, String hostId) {
    return of(dvs).contains(hostId);
  }

  /**
   * next is dvs with hostId added: the set follows without a rebuild (a change set may add
   * thousands of members one by one).
   */
  void added(Dvs dvs, Dvs next, String hostId) {
    of(dvs).add(hostId);
    of = next;
  }

  /** The member host ids of dvs, in a new set. */
  static Set<String> of(Iterable<HostMember> members, int count) {
    Set<String> out = new HashSet<>(count * 2);
    for (HostMember m : members) {
      out.add(m.getHostId());
    }
    return out;
  }

  private Set<String> of(Dvs dvs) {
    if (of != dvs) {
      ids = of(dvs.getMembersList(), dvs.getMembersCount());
      of = dvs;
    }
    return ids;
  }
}
