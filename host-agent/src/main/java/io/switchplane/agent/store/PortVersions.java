package io.switchplane.agent.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.PortChanges;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The states of one DVS stored per port, so that a write costs what changed, not the size of the
 * host switch; with the in-memory index that keeps it so. Every write of a state (an apply, a
 * rollback) gets the next sequence number SEQ of its DVS and puts, in the caller's batch:
 *
 * <pre>
 *   P q/DVS_ID NUL PORT_KEY NUL SEQ   Port    the port as of SEQ; empty value: removed at SEQ
 *   P w/DVS_ID/GEN                    SEQ (8 bytes, big-endian) + the state without its ports
 * </pre>
 *
 * only for the ports that differ from the state written before (a tombstone for a removed one). The
 * state of GEN is its header plus, for each port key, the newest version at or before the header's
 * SEQ that is not a tombstone, in key order (the order the manager sends). A version superseded at
 * SEQ S is deleted, in the batch of a later write, once every state still kept (the history of
 * {@link StateStore#HISTORY_LIMIT} generations and the current one) has a SEQ of S or more.
 *
 * <p>Older agents stored each state whole under {@code P v/DVS_ID/GEN}; such rows are still read (a
 * DVS with no port versions yet has nothing to compare with: its first write here puts every port)
 * and are deleted as their generations leave the history. Not thread-safe: the store holds this
 * object's lock around every use.
 */
final class PortVersions {
  private static final int SEQ_DIGITS = 20;
  private static final byte[] TOMBSTONE = new byte[0];

  /** A version of a port that a later one (or its own removal) made old at seq {@code at}. */
  private record Old(String key, long seq, long at) {}

  private final RocksDatabase db;
  private final String prefix;
  private final String dvsId;

  /** Generations with a history row (P h/), oldest first. */
  final TreeSet<Long> generations = new TreeSet<>();

  /** The SEQ of each generation with a header (P w/). */
  private final Map<Long, Long> seqOf = new HashMap<>();

  /** The ports of the state written last, by key. */
  private final Map<String, Port> current = new HashMap<>();

  /** The SEQ of the newest stored version of each key (a tombstone included). */
  private final Map<String, Long> newest = new HashMap<>();

  /** Versions made old, by the SEQ that made them so (ascending). */
  private final ArrayDeque<Old> old = new ArrayDeque<>();

  private long lastSeq;

  /**
   * The state object this index wrote last (null after loading): {@link #current} holds its ports.
   */
  private HostSwitchState written;

  private PortVersions(RocksDatabase db, String prefix, String dvsId) {
    this.db = db;
    this.prefix = prefix;
    this.dvsId = dvsId;
  }

  /** The index of dvsId, read from the database. */
  static PortVersions load(RocksDatabase db, String prefix, String dvsId) {
    PortVersions v = new PortVersions(db, prefix, dvsId);
    v.read();
    return v;
  }

  private void read() {
    byte[] historyPrefix = bytes(prefix + "h/" + dvsId + "/");
    scan(
        historyPrefix,
        (key, value) -> {
          long generation = number(key, historyPrefix.length);
          if (generation >= 0) {
            generations.add(generation);
          }
        });
    byte[] headerPrefix = bytes(prefix + "w/" + dvsId + "/");
    scan(
        headerPrefix,
        (key, value) -> {
          long generation = number(key, headerPrefix.length);
          if (generation >= 0 && value.length >= Long.BYTES) {
            long seq = ByteBuffer.wrap(value).getLong();
            seqOf.put(generation, seq);
            lastSeq = Math.max(lastSeq, seq);
          }
        });
    byte[] portPrefix = portPrefix();
    List<Old> found = new ArrayList<>();
    String[] lastKey = {null};
    long[] lastVersion = {0};
    scan(
        portPrefix,
        (key, value) -> {
          VersionKey version = versionKey(key, portPrefix);
          if (version == null) {
            return;
          }
          String portKey = version.portKey();
          long seq = version.seq();
          if (portKey.equals(lastKey[0])) {
            found.add(new Old(portKey, lastVersion[0], seq));
          }
          lastKey[0] = portKey;
          lastVersion[0] = seq;
          lastSeq = Math.max(lastSeq, seq);
          newest.put(portKey, seq);
          if (value.length == 0) {
            current.remove(portKey);
            found.add(new Old(portKey, seq, seq));
          } else {
            current.put(portKey, parsePort(value));
          }
        });
    found.sort(Comparator.comparingLong(Old::at));
    old.addAll(found);
  }

  /**
   * Puts into batch the versions that make state the current one, and its header under its
   * generation; returns its SEQ. The index follows at once: the caller drops this object when the
   * batch is not written.
   *
   * @param base the state changes were found against (null: none)
   * @param changes which ports of state differ from base: used when base is the state this index
   *     wrote last (then no port is compared here), else the ports are compared with the index
   */
  long put(WriteBatch batch, HostSwitchState state, HostSwitchState base, PortChanges changes)
      throws RocksDBException {
    long seq = ++lastSeq;
    if (changes != null && base != null && base == written && !changes.whole()) {
      for (Port port : changes.removed()) {
        remove(batch, port.getKey(), seq);
      }
      for (Port port : changes.changed()) {
        version(batch, port, seq);
      }
    } else {
      compareAndPut(batch, state, seq);
    }
    long generation = state.getDvs().getGeneration();
    byte[] header = state.toBuilder().clearPorts().build().toByteArray();
    batch.put(
        headerKey(generation),
        ByteBuffer.allocate(Long.BYTES + header.length).putLong(seq).put(header).array());
    seqOf.put(generation, seq);
    written = state;
    return seq;
  }

  /** Puts the ports of state that differ from {@link #current}, and tombstones for the others. */
  private void compareAndPut(WriteBatch batch, HostSwitchState state, long seq)
      throws RocksDBException {
    int before = current.size();
    int kept = 0;
    for (Port port : state.getPortsList()) {
      Port was = current.get(port.getKey());
      if (was != null) {
        kept++;
        if (was.equals(port)) {
          continue;
        }
      }
      version(batch, port, seq);
    }
    if (kept < before) {
      Set<String> keys = new HashSet<>(state.getPortsCount() * 2);
      state.getPortsList().forEach(p -> keys.add(p.getKey()));
      for (String key : new ArrayList<>(current.keySet())) {
        if (!keys.contains(key)) {
          remove(batch, key, seq);
        }
      }
    }
  }

  /** Port's version at seq. */
  private void version(WriteBatch batch, Port port, long seq) throws RocksDBException {
    batch.put(portKey(port.getKey(), seq), port.toByteArray());
    supersede(port.getKey(), seq);
    current.put(port.getKey(), port);
  }

  /** key's tombstone at seq. */
  private void remove(WriteBatch batch, String key, long seq) throws RocksDBException {
    batch.put(portKey(key, seq), TOMBSTONE);
    supersede(key, seq);
    old.add(new Old(key, seq, seq)); // the tombstone, once nothing older is left to hide
    current.remove(key);
  }

  private void supersede(String key, long seq) {
    Long previous = newest.put(key, seq);
    if (previous != null) {
      old.add(new Old(key, previous, seq));
    }
  }

  /** Puts into batch the deletion of generation's state (header, and an older agent's row). */
  void drop(WriteBatch batch, long generation) throws RocksDBException {
    batch.delete(headerKey(generation));
    batch.delete(bytes(historyPrefix("v/") + digits(generation)));
    seqOf.remove(generation);
  }

  /**
   * Puts into batch the deletion of the versions no kept state reads any more: the states of the
   * history and currentGeneration, the one just written.
   */
  void collect(WriteBatch batch, long currentGeneration) throws RocksDBException {
    long oldest = seqOf.getOrDefault(currentGeneration, lastSeq);
    for (long g : generations) {
      Long seq = seqOf.get(g);
      if (seq != null) { // an older agent's whole state reads no version
        oldest = Math.min(oldest, seq);
      }
    }
    while (!old.isEmpty() && old.peekFirst().at() <= oldest) {
      Old o = old.pollFirst();
      batch.delete(portKey(o.key(), o.seq()));
      Long newestSeq = newest.get(o.key());
      if (newestSeq != null && newestSeq == o.seq()) {
        newest.remove(o.key()); // its own tombstone: the key is gone from every kept state
      }
    }
  }

  /** The state stored for generation, if its header (or an older agent's whole state) is kept. */
  Optional<HostSwitchState> state(long generation) {
    byte[] header = db.get(headerKey(generation));
    if (header == null) {
      byte[] whole = db.get(bytes(historyPrefix("v/") + digits(generation)));
      return whole == null ? Optional.empty() : Optional.of(parseState(whole, 0, generation));
    }
    long seq = ByteBuffer.wrap(header).getLong();
    HostSwitchState head = parseState(header, Long.BYTES, generation);
    if (!head.getMember()) {
      return Optional.of(head);
    }
    List<Port> ports = new ArrayList<>();
    byte[] portPrefix = portPrefix();
    String[] lastKey = {null};
    byte[][] chosen = {null};
    scan(
        portPrefix,
        (key, value) -> {
          VersionKey version = versionKey(key, portPrefix);
          if (version == null) {
            return;
          }
          if (!version.portKey().equals(lastKey[0])) {
            addChosen(ports, chosen[0]);
            chosen[0] = null;
            lastKey[0] = version.portKey();
          }
          if (version.seq() <= seq) {
            chosen[0] = value; // versions come oldest first: the last one at or before seq wins
          }
        });
    addChosen(ports, chosen[0]);
    ports.sort(Comparator.comparing(Port::getKey));
    return Optional.of(head.toBuilder().addAllPorts(ports).build());
  }

  private void addChosen(List<Port> ports, byte[] value) {
    if (value != null && value.length > 0) {
      ports.add(parsePort(value));
    }
  }

  /** What scan hands each row of a prefix. */
  private interface Row {
    void accept(byte[] key, byte[] value);
  }

  private void scan(byte[] keyPrefix, Row row) {
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(keyPrefix); it.isValid() && startsWith(it.key(), keyPrefix); it.next()) {
        row.accept(it.key(), it.value());
      }
    }
  }

  /** A port version's key and SEQ, as its row key names them. */
  private record VersionKey(String portKey, long seq) {}

  /** The port key and SEQ of a row under portPrefix; null when the row is not a port version. */
  private static VersionKey versionKey(byte[] key, byte[] portPrefix) {
    int nul = key.length - SEQ_DIGITS - 1;
    long seq = number(key, nul + 1);
    if (nul < portPrefix.length || key[nul] != 0 || seq < 0) {
      return null;
    }
    return new VersionKey(
        new String(key, portPrefix.length, nul - portPrefix.length, StandardCharsets.UTF_8), seq);
  }

  private byte[] portPrefix() {
    return bytes(prefix + "q/" + dvsId + "\0");
  }

  private byte[] portKey(String key, long seq) {
    return bytes(prefix + "q/" + dvsId + "\0" + key + "\0" + digits(seq));
  }

  private byte[] headerKey(long generation) {
    return bytes(historyPrefix("w/") + digits(generation));
  }

  private String historyPrefix(String kind) {
    return prefix + kind + dvsId + "/";
  }

  /**
   * A number as 20 zero-padded digits, so that byte order is numeric order (a uint64 above
   * Long.MAX_VALUE keeps the layout String.format always gave it).
   */
  static String digits(long n) {
    if (n < 0) {
      return String.format("%0" + SEQ_DIGITS + "d", n);
    }
    // Padded by hand: String.format (locale lookup, parsing the pattern) costs more than the key.
    String digits = Long.toString(n);
    StringBuilder out = new StringBuilder(SEQ_DIGITS);
    for (int i = digits.length(); i < SEQ_DIGITS; i++) {
      out.append('0');
    }
    return out.append(digits).toString();
  }

  /**
   * The number encoded from offset to the end of key, or -1 when that is not exactly 20 digits
   * (then the key belongs to another DVS whose id starts with this one and a '/').
   */
  static long number(byte[] key, int offset) {
    if (offset < 0 || key.length - offset != SEQ_DIGITS) {
      return -1;
    }
    long n = 0;
    for (int i = offset; i < key.length; i++) {
      if (key[i] < '0' || key[i] > '9') {
        return -1;
      }
      n = n * 10 + (key[i] - '0');
    }
    return n;
  }

  static boolean startsWith(byte[] key, byte[] keyPrefix) {
    return key.length >= keyPrefix.length
        && Arrays.equals(key, 0, keyPrefix.length, keyPrefix, 0, keyPrefix.length);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Port parsePort(byte[] value) {
    try {
      return Port.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException(
          "corrupt port of DVS " + dvsId + " in the agent state database in " + db.dir(), e);
    }
  }

  private HostSwitchState parseState(byte[] value, int offset, long generation) {
    try {
      return HostSwitchState.parseFrom(
          com.google.protobuf.ByteString.copyFrom(value, offset, value.length - offset));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException(
          "corrupt state "
              + generation
              + " of DVS "
              + dvsId
              + " in the agent state database in "
              + db.dir(),
          e);
    }
  }
}
