package io.switchplane.manager.store;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.apache.zookeeper.common.PathUtils;

/**
 * Where everything lives in ZooKeeper. One place so that the store, the loader and the tests agree
 * on paths.
 *
 * <pre>
 * /switchplane/dvs/&lt;dvsId&gt;                         Dvs (generation, settings, members)
 * /switchplane/dvs/&lt;dvsId&gt;/portgroups/&lt;pgId&gt;       PortGroup
 * /switchplane/dvs/&lt;dvsId&gt;/ports/&lt;bucket&gt;/&lt;key&gt;    Port  (bucket = 2 hex digits, 32 buckets)
 * /switchplane/index/dvs-names/&lt;name&gt;              DVS id (UTF-8)
 * /switchplane/hosts/&lt;hostId&gt;                      Host
 * /switchplane/index/host-names/&lt;name&gt;             host id (UTF-8)
 * /switchplane/namespaces/&lt;name&gt;                 PropertyNamespace (registered property namespaces)
 * /switchplane/leader                              Curator LeaderLatch
 * /switchplane/managers/&lt;id&gt;                    live manager (ephemeral), data its operator endpoint
 * /switchplane/owners/&lt;dvsId&gt;                   owning manager id (UTF-8, empty: released); version + 1 = epoch
 * /switchplane/snapshots/&lt;dvsId&gt;/&lt;snapId&gt;           SnapshotInfo (the snapshot exists iff this does)
 * /switchplane/snapshot-data/&lt;snapId&gt;/&lt;NNNN&gt;        deflated content, in chunks
 * /switchplane/vcenters/&lt;name&gt;                   VcenterRecord (password sealed, see SecretBox)
 * /switchplane/retired-dvs/&lt;dvsId&gt;               Dvs as it was deleted (its last generation)
 * /switchplane/log/&lt;dvsId&gt;/&lt;generation, 20 digits&gt;  ChangeRecord (who committed it, when, why, what)
 * /switchplane/users/&lt;name&gt;                     OperatorUser (role, DVS scope, token hash)
 * /switchplane/snapshot-names/&lt;dvsId&gt;/&lt;name&gt;     snapshot id (UTF-8): one name per DVS
 * /switchplane/pki/ca                             CaRecord (the cluster CA; its key sealed, see SecretBox)
 * /switchplane/pki/tokens/&lt;tokenId&gt;              EnrollTokenRecord (one-time, secret hashed)
 * /switchplane/pki/hosts/&lt;hostId&gt;                HostCertRecord (the host's accepted certificates)
 * /switchplane/ipam/subnets/&lt;id&gt;                 Subnet
 * /switchplane/ipam/subnets/&lt;id&gt;/addresses/&lt;ip&gt;  NicRecord: one znode per taken address (see IpamStore)
 * /switchplane/ipam/subnet-names/&lt;name&gt;          subnet id (UTF-8)
 * /switchplane/ipam/networks/&lt;dvsId&gt;:&lt;pgId&gt;    NetworkSubnets (the subnets reachable from a port group)
 * /switchplane/ipam/conflicts/&lt;id&gt;                SubnetConflicts (found by the leader's NIC-record sync)
 * </pre>
 *
 * <p>Ports are spread over {@value #PORT_BUCKETS} bucket znodes because a DVS may hold 60,000 ports
 * with keys of up to 64 characters: one getChildren answer listing them all (up to ~4 MB) would
 * exceed the client's 1 MB packet limit (jute.maxbuffer). Port groups (at most 10,000 UUID names,
 * ~400 KB) and hosts fit one answer and are not bucketed.
 */
public final class StoreLayout {
  public static final String ROOT = "/switchplane";
  public static final String DVS = ROOT + "/dvs";
  public static final String HOSTS = ROOT + "/hosts";
  public static final String PKI = ROOT + "/pki";
  public static final String PKI_CA = PKI + "/ca";
  public static final String PKI_TOKENS = PKI + "/tokens";
  public static final String PKI_HOSTS = PKI + "/hosts";
  public static final String DVS_NAMES = ROOT + "/index/dvs-names";
  public static final String HOST_NAMES = ROOT + "/index/host-names";
  public static final String LEADER = ROOT + "/leader";

  /** Live managers: one ephemeral znode each, named by manager id, data its operator endpoint. */
  public static final String MANAGERS = ROOT + "/managers";

  /**
   * DVS owners: one persistent znode per DVS id, data the owning manager's id (empty: released);
   * its version + 1 is the owner epoch (see OwnerStore). Never deleted, so epochs only grow.
   */
  public static final String OWNERS = ROOT + "/owners";

  /** Registered property namespaces, one znode each. */
  public static final String NAMESPACES = ROOT + "/namespaces";

  /** Decision records of atomic change sets, one per DVS. */
  public static final String TXN = ROOT + "/txn";

  public static final int PORT_BUCKETS = 32;
  public static final String SNAPSHOTS = ROOT + "/snapshots";
  public static final String SNAPSHOT_DATA = ROOT + "/snapshot-data";

  /** vCenters the VM tracker follows, one znode each. */
  public static final String VCENTERS = ROOT + "/vcenters";

  /**
   * The last record of each deleted DVS, written in the delete's transaction: a DVS restored later
   * with its original id continues above the generations its hosts may still hold.
   */
  public static final String RETIRED_DVS = ROOT + "/retired-dvs";

  /** Operators, one znode each. */
  public static final String USERS = ROOT + "/users";

  /** The audit log: one ChangeRecord per generation, written in the transaction that makes it. */
  public static final String LOG = ROOT + "/log";

  /** Snapshot names, one znode per (DVS, name), created and deleted with the snapshot's info. */
  public static final String SNAPSHOT_NAMES = ROOT + "/snapshot-names";

  /** IP subnets, their taken addresses, and the subnets reachable from each L2 network. */
  public static final String IPAM_SUBNETS = ROOT + "/ipam/subnets";

  public static final String IPAM_SUBNET_NAMES = ROOT + "/ipam/subnet-names";
  public static final String IPAM_NETWORKS = ROOT + "/ipam/networks";

  /** Per subnet id: the address conflicts of the last NIC-record sync (SubnetConflicts). */
  public static final String IPAM_CONFLICTS = ROOT + "/ipam/conflicts";

  /**
   * Per DVS and host: the logical networks the host's agent last reported it realizes
   * (HostRealizedNetworks), written by the manager pushing it when the set changes.
   */
  public static final String REALIZED = ROOT + "/realized";

  private StoreLayout() {}

  public static String realized(String dvsId, String hostId) {
    return REALIZED + "/" + dvsId + ":" + hostId;
  }

  public static String subnet(String id) {
    return IPAM_SUBNETS + "/" + id;
  }

  public static String subnetAddresses(String id) {
    return subnet(id) + "/addresses";
  }

  public static String subnetAddress(String id, String canonicalIp) {
    return subnetAddresses(id) + "/" + canonicalIp;
  }

  public static String subnetConflicts(String subnetId) {
    return IPAM_CONFLICTS + "/" + subnetId;
  }

  public static String subnetName(String name) {
    return IPAM_SUBNET_NAMES + "/" + name;
  }

  public static String l2Network(String dvsId, String portGroupId) {
    return IPAM_NETWORKS + "/" + dvsId + ":" + portGroupId;
  }

  /**
   * Whether s can be one znode name. References come from operators: anything else cannot name a
   * stored entity and is looked up as "not found" rather than sent to ZooKeeper. What ZooKeeper
   * refuses in a path is its own rule (control characters, surrogates, much of the private use
   * area: a DVS reference with an emoji or a newline answered INTERNAL "Invalid path string"), so
   * its own check decides.
   */
  public static boolean isSegment(String s) {
    return !s.isEmpty() && !s.contains("/") && isPath("/" + s); // isPath also refuses "." and ".."
  }

  /** Whether ZooKeeper takes path as a path (its own check, which names no reason we could use). */
  public static boolean isPath(String path) {
    try {
      PathUtils.validatePath(path);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static String vcenter(String name) {
    return VCENTERS + "/" + name;
  }

  public static String txn(String dvsId) {
    return TXN + "/" + dvsId;
  }

  public static String owner(String dvsId) {
    return OWNERS + "/" + dvsId;
  }

  public static String manager(String encodedId) {
    return MANAGERS + "/" + encodedId;
  }

  public static String dvs(String dvsId) {
    return DVS + "/" + dvsId;
  }

  public static String portGroups(String dvsId) {
    return dvs(dvsId) + "/portgroups";
  }

  public static String portGroup(String dvsId, String pgId) {
    return portGroups(dvsId) + "/" + pgId;
  }

  public static String ports(String dvsId) {
    return dvs(dvsId) + "/ports";
  }

  public static String portBucket(String dvsId, int bucket) {
    return ports(dvsId) + "/" + String.format("%02x", bucket);
  }

  public static String port(String dvsId, String key) {
    return portBucket(dvsId, bucketOf(key)) + "/" + key;
  }

  /**
   * A stable bucket for a port key (CRC32, not hashCode, so the layout never depends on the JVM).
   */
  public static int bucketOf(String key) {
    CRC32 crc = new CRC32();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % PORT_BUCKETS);
  }

  public static String snapshots(String dvsId) {
    return SNAPSHOTS + "/" + dvsId;
  }

  public static String snapshot(String dvsId, String snapshotId) {
    return snapshots(dvsId) + "/" + snapshotId;
  }

  public static String retiredDvs(String dvsId) {
    return RETIRED_DVS + "/" + dvsId;
  }

  public static String user(String name) {
    return USERS + "/" + name;
  }

  public static String log(String dvsId) {
    return LOG + "/" + dvsId;
  }

  /** Zero-padded, so that names sort as generations do. */
  public static String logEntry(String dvsId, long generation) {
    return log(dvsId) + "/" + String.format("%020d", generation);
  }

  public static String snapshotNames(String dvsId) {
    return SNAPSHOT_NAMES + "/" + dvsId;
  }

  public static String snapshotName(String dvsId, String name) {
    return snapshotNames(dvsId) + "/" + name;
  }

  public static String snapshotData(String snapshotId) {
    return SNAPSHOT_DATA + "/" + snapshotId;
  }

  public static String snapshotChunk(String snapshotId, int chunk) {
    return snapshotData(snapshotId) + "/" + String.format("%04d", chunk);
  }

  public static String dvsName(String name) {
    return DVS_NAMES + "/" + name;
  }

  public static String enrollToken(String tokenId) {
    return PKI_TOKENS + "/" + tokenId;
  }

  public static String hostCert(String hostId) {
    return PKI_HOSTS + "/" + hostId;
  }

  public static String host(String hostId) {
    return HOSTS + "/" + hostId;
  }

  public static String namespace(String name) {
    return NAMESPACES + "/" + name;
  }

  public static String hostName(String name) {
    return HOST_NAMES + "/" + name;
  }
}
