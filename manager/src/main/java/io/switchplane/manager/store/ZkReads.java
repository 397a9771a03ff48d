package io.switchplane.manager.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Reads shared by the stores. Children are read with pipelined background calls, since a DVS load
 * reads tens of thousands of znodes and one round trip each would take seconds.
 */
final class ZkReads {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ZkReads.class);

  /** How long reading all children of one znode may take. */
  private static final long CHILDREN_TIMEOUT_SECONDS = 120;

  /** A znode's data with the version it was read at. */
  record Versioned(byte[] data, int version) {}

  private final CuratorFramework client;

  ZkReads(CuratorFramework client) {
    this.client = client;
  }

  /** The znode's data and version, empty when it does not exist. */
  Optional<Versioned> read(String path) {
    if (!StoreLayout.isPath(path)) {
      return Optional
          .empty(); // a path ZooKeeper refuses holds nothing; its error would answer INTERNAL
    }
    try {
      Stat stat = new Stat();
      byte[] data = client.getData().storingStatIn(stat).forPath(path);
      return Optional.of(new Versioned(data, stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw ZkErrors.translate(e, "reading " + path);
    }
  }

  /** Creates path (and its parents) unless it exists. */
  void ensure(String path) {
    try {
      client.create().creatingParentsIfNeeded().forPath(path);
    } catch (KeeperException.NodeExistsException e) {
      LOG.trace("{} exists already", path);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "creating " + path);
    }
  }

  /** The names of a znode's children, empty when it does not exist. */
  List<String> children(String path) {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw ZkErrors.translate(e, "listing " + path);
    }
  }

  /** Every child's data by child name (sorted); children deleted meanwhile are left out. */
  Map<String, byte[]> readChildren(String parent) {
    List<String> names = children(parent);
    Map<String, byte[]> out = new ConcurrentHashMap<>();
    CompletableFuture<?>[] pending = new CompletableFuture<?>[names.size()];
    try {
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending[i] = done;
        client
            .getData()
            .inBackground(
                (c, event) -> {
                  KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
                  if (code == KeeperException.Code.OK) {
                    out.put(name, event.getData());
                    done.complete(null);
                  } else if (code == KeeperException.Code.NONODE) {
                    done.complete(null);
                  } else {
                    done.completeExceptionally(KeeperException.create(code, event.getPath()));
                  }
                })
            .forPath(parent + "/" + name);
      }
      CompletableFuture.allOf(pending).get(CHILDREN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw ZkErrors.translate(
          cause instanceof Exception ex ? ex : e, "reading children of " + parent);
    } catch (TimeoutException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          "reading "
              + names.size()
              + " children of "
              + parent
              + " took over "
              + CHILDREN_TIMEOUT_SECONDS
              + " s",
          e);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "reading children of " + parent);
    }
    return new TreeMap<>(out);
  }

  /** Parses a stored protobuf; a corrupt znode is an INTERNAL failure naming it. */
  static <T extends Message> T parse(Parser<T> parser, byte[] data, String path) {
    try {
      return parser.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "corrupt record at " + path + ": " + e.getMessage(), e);
    }
  }
}
