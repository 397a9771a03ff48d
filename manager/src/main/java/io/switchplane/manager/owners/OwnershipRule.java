package io.switchplane.manager.owners;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which live manager owns which DVS: rendezvous (highest random weight) hashing with bounded loads.
 *
 * <p>The rule, a pure function of the set of live manager ids and the set of DVS ids, so every
 * manager computes the same answer from what ZooKeeper shows it:
 *
 * <ol>
 *   <li>Each manager gets a capacity: with n DVSes over m managers, floor(n/m), and one more for
 *       the first n mod m managers in id order. The capacities add up to n, so no DVS is left
 *       without an owner and no two managers' counts differ by more than one.
 *   <li>DVSes are taken in id order; each goes to the manager ranking highest for it (by {@link
 *       #score}, a 64-bit hash of manager id and DVS id) among those with capacity left.
 * </ol>
 *
 * <p>Why: rendezvous hashing moves few DVSes when the membership changes (a joining manager takes
 * mainly the DVSes it ranks first for, about n/(m+1); a leaving one's DVSes go to their next ranked
 * managers), and the bound keeps the spread exactly even, which plain hashing does not for a few
 * dozen DVSes. Moves beyond the leaver's or joiner's share happen only where a capacity bound
 * forces them.
 */
public final class OwnershipRule {
  private OwnershipRule() {}

  /**
   * The owner of every DVS in dvsIds, by the rule above; empty when no manager is live.
   *
   * @return DVS id to manager id, iterated in DVS id order
   */
  public static Map<String, String> assign(Collection<String> managers, Collection<String> dvsIds) {
    Map<String, String> owners = new TreeMap<>();
    if (managers.isEmpty()) {
      return owners;
    }
    List<String> live = new ArrayList<>(new TreeSet<>(managers));
    TreeSet<String> dvses = new TreeSet<>(dvsIds);
    int n = dvses.size();
    int m = live.size();
    Map<String, Integer> left = new HashMap<>();
    for (int i = 0; i < m; i++) {
      left.put(live.get(i), n / m + (i < n % m ? 1 : 0));
    }
    for (String dvs : dvses) {
      String best = null;
      long bestScore = 0;
      for (String manager : live) {
        if (left.get(manager) == 0) {
          continue;
        }
        long s = score(manager, dvs);
        if (best == null || Long.compareUnsigned(s, bestScore) > 0) {
          best = manager;
          bestScore = s;
        }
      }
      owners.put(dvs, best);
      left.merge(best, -1, Integer::sum);
    }
    return owners;
  }

  /** How many DVSes each manager owns in an assignment, managers with none included. */
  public static Map<String, Integer> counts(
      Collection<String> managers, Map<String, String> assignment) {
    Map<String, Integer> counts = new TreeMap<>(Comparator.naturalOrder());
    managers.forEach(mgr -> counts.put(mgr, 0));
    assignment.values().forEach(mgr -> counts.merge(mgr, 1, Integer::sum));
    return counts;
  }

  /**
   * Manager's rank for DVS: 64-bit FNV-1a over both ids, finished with a SplitMix64 mix (FNV alone
   * clusters on ids that differ in their last characters).
   */
  static long score(String manager, String dvs) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (manager + '\u0000' + dvs).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h;
  }
}
