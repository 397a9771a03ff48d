package io.switchplane.manager.store;

import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

/** Tells one callback of every change of a {@link CuratorCache}, and once it has loaded. */
public final class CacheWatch {
  private CacheWatch() {}

  /**
   * Calls onChange (on Curator's thread; keep it short) after each change once the cache has
   * loaded, and after loaded (run first, when the initial load is done).
   */
  public static void listen(CuratorCache cache, Runnable loaded, Runnable onChange) {
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forAll((type, before, after) -> onChange.run())
                .forInitialized(
                    () -> {
                      loaded.run();
                      onChange.run();
                    })
                .afterInitialized()
                .build());
  }
}
