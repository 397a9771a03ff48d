package io.switchplane.ipam;

import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One manager's place in one subnet's pool: where the next search starts, which addresses it knows
 * are taken, and which its own callers are taking right now. It only proposes: ZooKeeper decides
 * (an address is taken when its znode is created), so a stale view costs a retry, never a
 * duplicate. Proposing from a moving cursor spreads concurrent callers over distinct addresses, and
 * an address released is handed out again only after the cursor has come round.
 */
public final class AllocationCursor {
  private final AddressPool pool;
  private final Set<Ip> taken = new HashSet<>();
  private final Set<Ip> pending = new HashSet<>();
  private Ip next;
  private int collisions;

  public AllocationCursor(AddressPool pool) {
    this.pool = pool;
    this.next = pool.ranges().isEmpty() ? null : pool.ranges().get(0).first();
  }

  /**
   * An address to try, marked pending until {@link #taken} or {@link #abandoned}; empty when every
   * address of the pool is known taken or pending.
   */
  public synchronized Optional<Ip> propose() {
    if (next == null) {
      return Optional.empty();
    }
    // A free address is found after passing at most every known one.
    long limit = (long) taken.size() + pending.size() + 1;
    Optional<Ip> found = pool.next(next, ip -> taken.contains(ip) || pending.contains(ip), limit);
    found.ifPresent(
        ip -> {
          pending.add(ip);
          next = ip.next();
        });
    return found;
  }

  /** The address is stored as taken (by this manager's caller or, as found, by another). */
  public synchronized void taken(Ip ip) {
    pending.remove(ip);
    taken.add(ip);
  }

  /**
   * A proposal was found taken by someone else (and is now known taken); returns how many times
   * that happened since the last {@link #refresh}, so that one caller of many re-reads.
   */
  public synchronized int collided(Ip ip) {
    taken(ip);
    return ++collisions;
  }

  /** The proposal was not used; the address may be proposed again. */
  public synchronized void abandoned(Ip ip) {
    pending.remove(ip);
  }

  /** The address was freed. */
  public synchronized void released(Ip ip) {
    taken.remove(ip);
  }

  /** Replaces what is known taken with what is stored now (after another manager's releases). */
  public synchronized void refresh(Collection<Ip> stored) {
    taken.clear();
    taken.addAll(stored);
    collisions = 0;
  }

  /** How many addresses this manager's callers are taking now. */
  public synchronized int pending() {
    return pending.size();
  }

  /** How many addresses of the pool are not known taken. */
  public synchronized BigInteger unknownFree() {
    long inPool = taken.stream().filter(pool::contains).count();
    return pool.size().subtract(BigInteger.valueOf(inPool));
  }
}
