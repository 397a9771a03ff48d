package io.switchplane.agent.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.diff.PortChanges;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * {@link StateStore} in RocksDB, in the key space of one agent inside a possibly shared {@link
 * RocksDatabase}.
 *
 * <p>Key layout (UTF-8 keys, protobuf values; {@code P} is the agent's namespace prefix, empty for
 * an agent with its own database, e.g. {@code "agent-0042/"} for a lightweight agent of the bench;
 * {@code GEN} is the generation as 20 zero-padded decimal digits, so that byte order is generation
 * order; {@code SEQ} a rollback row's sequence, likewise):
 *
 * <pre>
 *   P r/DVS_ID          ApplyResponse   answer of the current generation; its applied_generation
 *                                       names the current state below. Present = the DVS is known.
 *   P h/DVS_ID/GEN      HistoryEntry    one per applied generation, at most 50 per DVS
 *   P k/DVS_ID/SEQ      HistoryEntry    one per rollback to an earlier generation, at most 50 per DVS
 *   P v/DVS_ID/GEN      HostSwitchState the state applied at GEN
 *   P c/DVS_ID          PendingConfirm  the apply waiting for Confirm (absent: none pending)
 *   P j/DVS_ID          ApplyJournal    an apply or rollback under way (absent: none)
 *   P x/DVS_ID          RollbackEvent   the last rollback
 * </pre>
 *
 * <p>The current state is not stored twice: it is the history version that the response names (the
 * newest one, except after a rollback), which trimming never drops, nor the generation a pending
 * confirm would restore. A removed switch (member=false) stays as a record with no ports, so that
 * its generation still rejects older pushes. Every write is one synced {@link WriteBatch}: an apply
 * writes the response, the new history entry and state, the pending confirm and the deletion of the
 * journal and of entries beyond 50 together.
 */
public final class RocksStateStore implements StateStore {
  private final RocksDatabase db;
  private final String prefix;

  /**
   * The index of each DVS's history and port versions, as this store last wrote them: read from the
   * database once per DVS, then kept in step with each write, so that an apply writes what changed
   * and trimming the history does not open an iterator. Relies on this store being the only writer
   * of its prefix (one agent per prefix, as the layout says). Each index is also the lock of its
   * DVS's writes (the apply pipeline serialises them already; this keeps the index exact for any
   * caller).
   */
  private final ConcurrentHashMap<String, PortVersions> indexes = new ConcurrentHashMap<>();

  /** A store in db under prefix; it does not own db (closing db is its opener's job). */
  public RocksStateStore(RocksDatabase db, String prefix) {
    this.db = Objects.requireNonNull(db, "db");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  public String prefix() {
    return prefix;
  }

  @Override
  public List<StoredSwitch> loadAll() {
    byte[] responsePrefix = bytes(prefix + "r/");
    List<StoredSwitch> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(responsePrefix);
          it.isValid() && startsWith(it.key(), responsePrefix);
          it.next()) {
        String dvsId =
            new String(
                it.key(),
                responsePrefix.length,
                it.key().length - responsePrefix.length,
                StandardCharsets.UTF_8);
        ApplyResponse response =
            parse(ApplyResponse.parser(), it.value(), "response of DVS " + dvsId);
        HostSwitchState state =
            historicState(dvsId, response.getAppliedGeneration())
                .orElseThrow(
                    () ->
                        new StoreException(
                            "the agent state database in "
                                + db.dir()
                                + " has no state for the current generation "
                                + response.getAppliedGeneration()
                                + " of DVS "
                                + dvsId,
                            null));
        out.add(
            new StoredSwitch(
                state,
                response,
                optional(
                    PendingConfirm.parser(), key("c/", dvsId), "pending confirm of DVS " + dvsId),
                optional(RollbackEvent.parser(), key("x/", dvsId), "last rollback of DVS " + dvsId),
                optional(ApplyJournal.parser(), key("j/", dvsId), "journal of DVS " + dvsId)));
      }
    }
    return out;
  }

  @Override
  public void journal(String dvsId, ApplyJournal journal) {
    // Unsynced: a start makes the backend match the stored state whether the journal is there or
    // not (it only names the interrupted apply in the log), a crash of the agent keeps it, and the
    // persist's synced write after the backend makes it durable. One fsync less per apply.
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(key("j/", dvsId), journal.toByteArray());
      db.writeUnsynced(batch);
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot journal generation "
              + journal.getGeneration()
              + " of DVS "
              + dvsId
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void clearJournal(String dvsId) {
    write("clear the journal of DVS " + dvsId, batch -> batch.delete(key("j/", dvsId)));
  }

  @Override
  public HistoryEntry commit(
      HostSwitchState state, ApplyResponse response, HistoryEntry entry, PendingConfirm pending) {
    return commit(state, null, null, response, entry, pending);
  }

  @Override
  public HistoryEntry commit(
      HostSwitchState state,
      HostSwitchState base,
      PortChanges changes,
      ApplyResponse response,
      HistoryEntry entry,
      PendingConfirm pending) {
    String dvsId = state.getDvs().getId();
    long generation = entry.getGeneration();
    boolean rollback = isRollback(entry);
    PortVersions index = index(dvsId);
    synchronized (index) {
      List<Long> kept = new ArrayList<>(index.generations);
      kept.remove(Long.valueOf(generation));
      // kept is oldest first: drop from the front until the new entry makes exactly the limit,
      // skipping the generation a rollback of the pending apply would need.
      long protectedGeneration = pending == null ? -1 : pending.getRevertToGeneration();
      int excess = kept.size() + 1 - HISTORY_LIMIT;
      List<Long> dropped = new ArrayList<>();
      for (int i = 0; i < kept.size() && dropped.size() < excess; i++) {
        if (kept.get(i) != protectedGeneration) {
          dropped.add(kept.get(i));
        }
      }
      HistoryEntry[] stored = {entry};
      writeIndexed(
          dvsId,
          index,
          "write generation " + generation + " of DVS " + dvsId,
          batch -> {
            batch.put(responseKey(dvsId), response.toByteArray());
            if (rollback) {
              // The generation's own row keeps its time and outcome; the rollback is a row of its
              // own.
              List<Long> sequences = sequences(dvsId);
              long next = sequences.isEmpty() ? 1 : sequences.get(sequences.size() - 1) + 1;
              stored[0] = entry.toBuilder().setSequence(next).build();
              batch.put(historyKey("k/", dvsId, next), stored[0].toByteArray());
              for (int i = 0; i < sequences.size() + 1 - HISTORY_LIMIT; i++) {
                batch.delete(historyKey("k/", dvsId, sequences.get(i)));
              }
            } else {
              batch.put(historyKey("h/", dvsId, generation), entry.toByteArray());
            }
            index.put(batch, state, base, changes);
            for (long old : dropped) {
              batch.delete(historyKey("h/", dvsId, old));
              index.drop(batch, old);
              index.generations.remove(old);
            }
            index.generations.add(generation);
            index.collect(batch, generation);
            if (pending != null) {
              batch.put(key("c/", dvsId), pending.toByteArray());
            } else {
              batch.delete(key("c/", dvsId));
            }
            batch.delete(key("j/", dvsId));
          });
      return stored[0];
    }
  }

  /**
   * One synced batch for dvsId that fill puts together while bringing index in step with it: when
   * the write fails (it may or may not have reached the database) index is dropped, to be read
   * again next time.
   */
  private void writeIndexed(String dvsId, PortVersions index, String what, BatchFill fill) {
    try {
      write(what, fill);
    } catch (RuntimeException e) {
      indexes.remove(dvsId, index);
      throw e;
    }
  }

  /** The per-port index of dvsId, read from the database on first use. */
  private PortVersions index(String dvsId) {
    return indexes.computeIfAbsent(dvsId, id -> PortVersions.load(db, prefix, id));
  }

  @Override
  public void confirm(String dvsId, HistoryEntry entry) {
    write(
        "record the confirm of generation " + entry.getGeneration() + " of DVS " + dvsId,
        batch -> {
          batch.put(rowKey(dvsId, entry), entry.toByteArray());
          batch.delete(key("c/", dvsId));
        });
  }

  @Override
  public void rollback(
      String dvsId,
      HostSwitchState restoredState,
      ApplyResponse restoredResponse,
      HistoryEntry undone,
      RollbackEvent event) {
    // No generation joins or leaves the history here; the restored state is written as a change
    // from the current one, like an apply.
    PortVersions index = index(dvsId);
    synchronized (index) {
      writeIndexed(
          dvsId,
          index,
          "record the rollback of generation " + undone.getGeneration() + " of DVS " + dvsId,
          batch -> {
            batch.put(responseKey(dvsId), restoredResponse.toByteArray());
            index.put(batch, restoredState, null, null);
            index.collect(batch, restoredState.getDvs().getGeneration());
            batch.put(rowKey(dvsId, undone), undone.toByteArray());
            batch.put(key("x/", dvsId), event.toByteArray());
            batch.delete(key("c/", dvsId));
            batch.delete(key("j/", dvsId));
          });
    }
  }

  /** What a small write puts in its batch. */
  private interface BatchFill {
    void into(WriteBatch batch) throws RocksDBException;
  }

  /** One synced batch; what names the write for the error ("cannot WHAT: ..."). */
  private void write(String what, BatchFill fill) {
    try (WriteBatch batch = new WriteBatch()) {
      fill.into(batch);
      db.write(batch);
    } catch (RocksDBException e) {
      throw new StoreException("cannot " + what + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<HistoryEntry> historyEntry(String dvsId, long generation) {
    byte[] value = db.get(historyKey("h/", dvsId, generation));
    Optional<HistoryEntry> applied =
        value == null
            ? Optional.empty()
            : Optional.of(
                parse(
                    HistoryEntry.parser(),
                    value,
                    "history entry " + generation + " of DVS " + dvsId));
    // A rollback to the generation, newer than its row, is what became of it last.
    Optional<HistoryEntry> rollback =
        rows("k/", dvsId).stream()
            .filter(e -> e.getGeneration() == generation)
            .reduce((older, newer) -> newer);
    return rollback.isPresent() ? rollback : applied;
  }

  @Override
  public List<HistoryEntry> history(String dvsId) {
    List<HistoryEntry> out = new ArrayList<>(rows("h/", dvsId));
    out.addAll(rows("k/", dvsId));
    // Newest first by the time applied; a rollback row in the same millisecond counts as newer.
    out.sort(
        Comparator.comparingLong(HistoryEntry::getAppliedUnixMs)
            .thenComparing(RocksStateStore::isRollback)
            .thenComparingLong(e -> isRollback(e) ? e.getSequence() : e.getGeneration())
            .reversed());
    return out;
  }

  /** The rows of one kind ("h/" or "k/") of dvsId, in key order. */
  private List<HistoryEntry> rows(String kind, String dvsId) {
    byte[] keyPrefix = bytes(prefix + kind + dvsId + "/");
    List<HistoryEntry> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(keyPrefix); it.isValid() && startsWith(it.key(), keyPrefix); it.next()) {
        if (PortVersions.number(it.key(), keyPrefix.length) >= 0) {
          out.add(parse(HistoryEntry.parser(), it.value(), "history entry of DVS " + dvsId));
        }
      }
    }
    return out;
  }

  /** The sequences of dvsId's rollback rows, oldest first (few: rollbacks are rare). */
  private List<Long> sequences(String dvsId) {
    return rows("k/", dvsId).stream().map(HistoryEntry::getSequence).toList();
  }

  private static boolean isRollback(HistoryEntry entry) {
    return entry.getKind() == HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK;
  }

  /** Where entry is kept: its generation's row, or its rollback row. */
  private byte[] rowKey(String dvsId, HistoryEntry entry) {
    return isRollback(entry)
        ? historyKey("k/", dvsId, entry.getSequence())
        : historyKey("h/", dvsId, entry.getGeneration());
  }

  @Override
  public Optional<HostSwitchState> historicState(String dvsId, long generation) {
    PortVersions index = index(dvsId);
    synchronized (index) {
      return index.state(generation);
    }
  }

  private byte[] responseKey(String dvsId) {
    return key("r/", dvsId);
  }

  private byte[] key(String kind, String dvsId) {
    return bytes(prefix + kind + dvsId);
  }

  private <T extends MessageLite> T optional(Parser<T> parser, byte[] key, String what) {
    byte[] value = db.get(key);
    return value == null ? null : parse(parser, value, what);
  }

  private byte[] historyKey(String kind, String dvsId, long generation) {
    return bytes(prefix + kind + dvsId + "/" + PortVersions.digits(generation));
  }

  private static boolean startsWith(byte[] key, byte[] keyPrefix) {
    return key.length >= keyPrefix.length
        && Arrays.equals(key, 0, keyPrefix.length, keyPrefix, 0, keyPrefix.length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private <T extends MessageLite> T parse(Parser<T> parser, byte[] value, String what) {
    try {
      return parser.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException(
          "corrupt " + what + " in the agent state database in " + db.dir(), e);
    }
  }
}
