package io.switchplane.manager.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
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
    return readChildrenOf(List.of(parent)).get(parent);
  }

  /**
   * As {@link #readChildren} for each of parents at once (a parent that does not exist has none):
   * every listing pipelined, then every read, so that a DVS's port buckets take two round trips,
   * not two per bucket (a new owner's load waited seconds on them under load).
   */
  Map<String, Map<String, byte[]>> readChildrenOf(List<String> parents) {
    Map<String, List<String>> names = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> listed = new ArrayList<>();
    String what = parents.size() == 1 ? parents.get(0) : parents.size() + " znodes";
    try {
      for (String parent : parents) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        listed.add(done);
        client
            .getChildren()
            .inBackground(
                completing(
                    done,
                    event -> names.put(parent, event.getChildren()),
                    () -> names.put(parent, List.of())))
            .forPath(parent);
      }
      await(listed, "listing the children of " + what);
    } catch (SwitchplaneException e) {
      throw e;
    } catch (Exception e) {
      throw ZkErrors.translate(e, "listing the children of " + what);
    }
    return readNamed(names);
  }

  /**
   * The data of the named children of each parent (parent to child names), every read pipelined:
   * parent to child name to data (sorted); children that do not exist are left out.
   */
  Map<String, Map<String, byte[]>> readNamed(Map<String, List<String>> names) {
    Map<String, Map<String, byte[]>> out = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> read = new ArrayList<>();
    String what = names.size() == 1 ? names.keySet().iterator().next() : names.size() + " znodes";
    try {
      for (Map.Entry<String, List<String>> parent : names.entrySet()) {
        Map<String, byte[]> children = new ConcurrentHashMap<>();
        out.put(parent.getKey(), children);
        for (String name : parent.getValue()) {
          CompletableFuture<Void> done = new CompletableFuture<>();
          read.add(done);
          client
              .getData()
              .inBackground(
                  completing(done, event -> children.put(name, event.getData()), () -> {}))
              .forPath(parent.getKey() + "/" + name);
        }
      }
      await(read, "reading the children of " + what);
    } catch (SwitchplaneException e) {
      throw e;
    } catch (Exception e) {
      throw ZkErrors.translate(e, "reading the children of " + what);
    }
    Map<String, Map<String, byte[]>> sorted = new TreeMap<>();
    out.forEach((parent, children) -> sorted.put(parent, new TreeMap<>(children)));
    return sorted;
  }

  /**
   * A background call's callback: ok takes the answer, noNode runs when the znode does not exist
   * (then it holds nothing), and done completes after either, or fails with any other result.
   */
  private static BackgroundCallback completing(
      CompletableFuture<Void> done, Consumer<CuratorEvent> ok, Runnable noNode) {
    return (c, event) -> {
      KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
      if (code == KeeperException.Code.OK) {
        ok.accept(event);
        done.complete(null);
      } else if (code == KeeperException.Code.NONODE) {
        noNode.run();
        done.complete(null);
      } else {
        done.completeExceptionally(KeeperException.create(code, event.getPath()));
      }
    };
  }

  /** Waits for every background call of pending, at most {@link #CHILDREN_TIMEOUT_SECONDS}. */
  private static void await(List<CompletableFuture<Void>> pending, String what) {
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture<?>[]::new))
          .get(CHILDREN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw ZkErrors.translate(cause instanceof Exception ex ? ex : e, what);
    } catch (TimeoutException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          what + " (" + pending.size() + " calls) took over " + CHILDREN_TIMEOUT_SECONDS + " s",
          e);
    } catch (InterruptedException e) {
      throw ZkErrors.translate(e, what);
    }
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
