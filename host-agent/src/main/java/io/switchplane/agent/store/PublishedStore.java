package io.switchplane.agent.store;

import io.switchplane.api.v1.PublishedProperty;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The persistent values property modules published, in the agent's RocksDB next to its state:
 * {@code P m/DVS_ID NUL NAMESPACE NUL KIND NUL ENTITY_ID NUL KEY} → PublishedProperty, each write
 * synced.
 */
public final class PublishedStore {
  private final RocksDatabase db;
  private final String prefix;

  public PublishedStore(RocksDatabase db, String prefix) {
    this.db = Objects.requireNonNull(db, "db");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  public void put(PublishedProperty p) {
    write(batch -> batch.put(key(p), p.toByteArray()));
  }

  public void delete(PublishedProperty p) {
    write(batch -> batch.delete(key(p)));
  }

  public List<PublishedProperty> loadAll() {
    byte[] start = (prefix + "m/").getBytes(StandardCharsets.UTF_8);
    List<PublishedProperty> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid() && startsWith(it.key(), start); it.next()) {
        try {
          out.add(PublishedProperty.parseFrom(it.value()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new StoreException(
              "a published value in " + db.dir() + " is corrupt: " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  private interface Fill {
    void fill(WriteBatch batch) throws org.rocksdb.RocksDBException;
  }

  private void write(Fill fill) {
    try (WriteBatch batch = new WriteBatch()) {
      fill.fill(batch);
      db.write(batch);
    } catch (org.rocksdb.RocksDBException e) {
      throw new StoreException(
          "cannot write a published value to " + db.dir() + ": " + e.getMessage(), e);
    }
  }

  private byte[] key(PublishedProperty p) {
    return (prefix
            + "m/"
            + p.getDvsId()
            + '\0'
            + p.getNamespace()
            + '\0'
            + p.getEntity().getKindValue()
            + '\0'
            + p.getEntity().getId()
            + '\0'
            + p.getKey())
        .getBytes(StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] key, byte[] start) {
    if (key.length < start.length) {
      return false;
    }
    for (int i = 0; i < start.length; i++) {
      if (key[i] != start[i]) {
        return false;
      }
    }
    return true;
  }
}
