package io.switchplane.manager.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchplane.api.v1.CaRecord;
import io.switchplane.api.v1.EnrollTokenRecord;
import io.switchplane.api.v1.HostCertRecord;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster PKI's records in ZooKeeper (see {@link StoreLayout}): the CA, one-time enrollment
 * tokens and each host's accepted certificates. The CA and the host records are also kept in a
 * local copy (a Curator cache), because TLS handshakes consult them and must not wait on ZooKeeper;
 * writes go straight to ZooKeeper in transactions.
 */
public final class PkiStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PkiStore.class);
  public static final String CA_EXISTS =
      "the cluster CA exists already ('switchplane pki show' shows it); it is "
          + "made once, by 'pki init' or else by the first manager that starts";

  private final CuratorFramework client;
  private final ZkReads reads;
  private final CuratorCache cache;
  private final Map<String, HostCertRecord> hostCerts = new ConcurrentHashMap<>();
  // Run after the index is updated (IndexingListener).
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile CaRecord ca;

  /** A versioned record, for writes that must not overwrite a change made meanwhile. */
  public record Versioned<T>(T value, int version) {}

  public PkiStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
    this.cache = CuratorCache.build(client, StoreLayout.PKI);
    cache.listenable().addListener(IndexingListener.of(this::remember, this::forget, listeners));
  }

  /** Creates the parent znodes (idempotent). */
  public void ensureLayout() {
    reads.ensure(StoreLayout.PKI_TOKENS);
    reads.ensure(StoreLayout.PKI_HOSTS);
  }

  /** Starts following the records. */
  public void start() {
    cache.start();
  }

  /**
   * Runs changed after each change of a record taken in, once the store's own copy has it (on the
   * cache's thread; must not block).
   */
  public void addListener(Runnable changed) {
    listeners.add(changed);
  }

  @Override
  public void close() {
    cache.close();
  }

  /** The CA record: the local copy, else ZooKeeper (so a CA made a moment ago is found). */
  public Optional<CaRecord> ca() {
    CaRecord c = ca;
    if (c != null) {
      return Optional.of(c);
    }
    Optional<CaRecord> read =
        reads
            .read(StoreLayout.PKI_CA)
            .map(v -> ZkReads.parse(CaRecord.parser(), v.data(), StoreLayout.PKI_CA));
    read.ifPresent(r -> ca = r);
    return read;
  }

  /** The CA as cached, without asking ZooKeeper (for TLS handshakes). */
  public Optional<CaRecord> cachedCa() {
    return Optional.ofNullable(ca);
  }

  /** Stores the CA; ALREADY_EXISTS when there is one. */
  public void createCa(CaRecord record) {
    new ZkTxn()
        .create(StoreLayout.PKI_CA, record.toByteArray())
        .commit(
            client,
            "storing the cluster CA",
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(CA_EXISTS)
                    : null);
    ca = record;
  }

  /** Stores a token for a host, in one transaction with a check that the host is registered. */
  public void createToken(String tokenId, EnrollTokenRecord record) {
    new ZkTxn()
        .check(StoreLayout.host(record.getHostId()), -1)
        .create(StoreLayout.enrollToken(tokenId), record.toByteArray())
        .commit(
            client,
            "storing an enrollment token",
            r ->
                switch (r.code()) {
                  case NONODE ->
                      SwitchplaneException.notFound(
                          "host %s is not registered", record.getHostId());
                  case NODEEXISTS ->
                      SwitchplaneException.aborted("token id collision; ask for another token");
                  default -> null;
                });
  }

  public Optional<Versioned<EnrollTokenRecord>> token(String tokenId) {
    if (!StoreLayout.isSegment(tokenId)) {
      return Optional.empty();
    }
    String path = StoreLayout.enrollToken(tokenId);
    return reads
        .read(path)
        .map(
            v ->
                new Versioned<>(
                    ZkReads.parse(EnrollTokenRecord.parser(), v.data(), path), v.version()));
  }

  /** The host's record straight from ZooKeeper (for writes). */
  public Optional<Versioned<HostCertRecord>> hostCert(String hostId) {
    if (!StoreLayout.isSegment(hostId)) {
      return Optional.empty();
    }
    String path = StoreLayout.hostCert(hostId);
    return reads
        .read(path)
        .map(
            v ->
                new Versioned<>(
                    ZkReads.parse(HostCertRecord.parser(), v.data(), path), v.version()));
  }

  /** The host's record as cached (for TLS handshakes). */
  public Optional<HostCertRecord> cachedHostCert(String hostId) {
    return Optional.ofNullable(hostCerts.get(hostId));
  }

  /**
   * Records an enrollment in one transaction: the token is deleted (at the version read, so it is
   * used once even by racing managers), the host must still be registered, and the host's record is
   * created or replaced (at the version read). UNAUTHENTICATED when the token went meanwhile,
   * NOT_FOUND when the host did, ABORTED when its record changed.
   */
  public void recordEnrollment(
      String tokenId, int tokenVersion, HostCertRecord record, int recordVersion) {
    ZkTxn txn =
        new ZkTxn()
            .delete(StoreLayout.enrollToken(tokenId), tokenVersion)
            .check(StoreLayout.host(record.getHostId()), -1);
    writeHostRecord(txn, record, recordVersion)
        .commit(
            client,
            "recording an enrollment",
            r -> {
              if (r.op().path().equals(StoreLayout.enrollToken(tokenId))) {
                return SwitchplaneException.unauthenticated(
                    "the enrollment token was used already");
              }
              if (r.op().path().equals(StoreLayout.host(record.getHostId()))) {
                return SwitchplaneException.notFound("host %s was removed", record.getHostId());
              }
              return SwitchplaneException.aborted(
                  "the certificate of host %s changed meanwhile; retry", record.getHostId());
            });
    hostCerts.put(record.getHostId(), record);
  }

  /**
   * Replaces the host's record (a renewal) if the host is registered and the record unchanged since
   * read.
   */
  public void recordRenewal(HostCertRecord record, int recordVersion) {
    ZkTxn txn = new ZkTxn().check(StoreLayout.host(record.getHostId()), -1);
    writeHostRecord(txn, record, recordVersion)
        .commit(
            client,
            "recording a renewal",
            r ->
                r.op().path().equals(StoreLayout.host(record.getHostId()))
                    ? SwitchplaneException.denied(
                        "host %s was removed: its certificate is revoked", record.getHostId())
                    : SwitchplaneException.aborted(
                        "the certificate of host %s changed meanwhile; retry", record.getHostId()));
    hostCerts.put(record.getHostId(), record);
  }

  private static ZkTxn writeHostRecord(ZkTxn txn, HostCertRecord record, int version) {
    String path = StoreLayout.hostCert(record.getHostId());
    return version < 0
        ? txn.create(path, record.toByteArray())
        : txn.set(path, record.toByteArray(), version);
  }

  private void remember(ChildData node) {
    if (node.getData() == null) {
      return;
    }
    try {
      if (node.getPath().equals(StoreLayout.PKI_CA)) {
        ca = CaRecord.parseFrom(node.getData());
      } else if (node.getPath().startsWith(StoreLayout.PKI_HOSTS + "/")) {
        HostCertRecord r = HostCertRecord.parseFrom(node.getData());
        hostCerts.put(r.getHostId(), r);
      }
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("ignoring a corrupt PKI record at {}: {}", node.getPath(), e.getMessage());
    }
  }

  private void forget(ChildData node) {
    if (node.getPath().startsWith(StoreLayout.PKI_HOSTS + "/")) {
      hostCerts.remove(node.getPath().substring(StoreLayout.PKI_HOSTS.length() + 1));
    } else if (node.getPath().equals(StoreLayout.PKI_CA)) {
      ca = null;
    }
  }
}
