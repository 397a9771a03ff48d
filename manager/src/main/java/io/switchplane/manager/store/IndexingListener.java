package io.switchplane.manager.store;

import java.util.List;
import java.util.function.Consumer;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

/**
 * The one listener a store puts on its Curator cache: it updates the store's own index, then runs
 * the store's listeners. Curator calls the listeners of a cache in no fixed order, so a listener of
 * its own could read the index before the change it is called for.
 */
final class IndexingListener {
  private IndexingListener() {}

  static CuratorCacheListener of(
      Consumer<ChildData> remember, Consumer<ChildData> forget, List<Runnable> then) {
    return CuratorCacheListener.builder()
        .forCreatesAndChanges(
            (old, node) -> {
              remember.accept(node);
              then.forEach(Runnable::run);
            })
        .forDeletes(
            node -> {
              forget.accept(node);
              then.forEach(Runnable::run);
            })
        .build();
  }
}
