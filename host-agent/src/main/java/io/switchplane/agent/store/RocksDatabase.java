package io.switchplane.agent.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner of one opened RocksDB instance. Several {@link RocksStateStore}s may share it, each under
 * its own key prefix (the bench runs thousands of agents in one JVM with one database); whoever
 * opened it closes it, after the stores using it are done.
 */
public final class RocksDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDatabase.class);

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final Options options;
  private final RocksDB db;

  /** Every write is synced: the agent answers only once its state survives a power cut. */
  private final WriteOptions syncWrite;

  /** For {@link #writeUnsynced}: into the write-ahead log, not waiting for the disk. */
  private final WriteOptions unsyncedWrite;

  private RocksDatabase(Path dir, Options options, RocksDB db) {
    this.dir = dir;
    this.options = options;
    this.db = db;
    this.syncWrite = new WriteOptions().setSync(true);
    this.unsyncedWrite = new WriteOptions().setSync(false);
  }

  /** Opens (creating if needed) the database in dir. */
  public static RocksDatabase open(Path dir) {
    Options options = new Options().setCreateIfMissing(true);
    try {
      Files.createDirectories(dir);
      RocksDB db = RocksDB.open(options, dir.toString());
      LOG.debug("opened RocksDB in {}", dir);
      return new RocksDatabase(dir, options, db);
    } catch (RocksDBException | IOException e) {
      options.close();
      throw new StoreException(
          "cannot open the agent state database in " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot read the agent state database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes batch atomically and synced. */
  void write(WriteBatch batch) {
    try {
      db.write(syncWrite, batch);
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot write the agent state database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes batch atomically into the write-ahead log without waiting for the disk: it survives the
   * process's crash (the log is written to the OS at once), and the next synced write makes it
   * durable with everything before it (the log is one sequence). Only for what no answer depends
   * on.
   */
  void writeUnsynced(WriteBatch batch) {
    try {
      db.write(unsyncedWrite, batch);
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot write the agent state database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A new iterator; the caller closes it. */
  RocksIterator newIterator() {
    return db.newIterator();
  }

  @Override
  public void close() {
    syncWrite.close();
    unsyncedWrite.close();
    db.close();
    options.close();
    LOG.debug("closed RocksDB in {}", dir);
  }
}
