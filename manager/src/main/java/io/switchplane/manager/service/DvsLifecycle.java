package io.switchplane.manager.service;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;

import io.switchplane.api.v1.Dvs;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.audit.ChangeRecords;
import io.switchplane.manager.changeset.ChangeSetPlanner;
import io.switchplane.manager.changeset.OwnedNetworks;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import io.switchplane.manager.store.DvsStore;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DVS coming and going as a whole: created empty, restored as a new switch, deleted. As for
 * change sets, each runs under its DVS's lock, the cache changes only after the store did, and the
 * push side is then told under the same lock.
 */
final class DvsLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(DvsLifecycle.class);

  private final DvsStore store;
  private final CommitListener listener;
  private final ConfigService.CommitHook hook;
  private final WriteGuard guard;
  private final ChangeRecords records;

  DvsLifecycle(
      DvsStore store,
      CommitListener listener,
      ConfigService.CommitHook hook,
      WriteGuard guard,
      ChangeRecords records) {
    this.store = store;
    this.listener = listener;
    this.hook = hook;
    this.guard = guard;
    this.records = records;
  }

  /** See {@link ConfigService#createDvs}. */
  DvsConfig create(Dvs requested) {
    LeaderState state = guard.require();
    String id = UUID.randomUUID().toString();
    Dvs dvs = ChangeSetPlanner.newDvs(id, requested);
    state.requireFreeName(dvs.getName(), id);
    return guard.locked(
        id,
        state,
        () -> {
          DvsConfig created = DvsConfig.of(dvs, Map.of(), Map.of());
          store.createWhole(
              created, records.record("create", null, created, created.generation(), 1, ""));
          LOG.info("created DVS {} ({})", dvs.getName(), id);
          if (state.partial()) {
            // Leadership per DVS: its owner (the rule's pick) claims it, loads and pushes it.
            hook.after(created);
            return created;
          }
          state.put(id, created);
          ConfigService.notifyListener(
              () -> listener.committed(CommittedChange.of(null, created), PushIntent.BEST_EFFORT));
          hook.after(created);
          return created;
        });
  }

  /** See {@link ConfigService#createRestored}. */
  DvsConfig createRestored(DvsConfig target, CommitOptions options) {
    LeaderState state = guard.require();
    String id = target.id();
    state.requireFreeName(target.dvs().getName(), id);
    return guard.locked(
        id,
        state,
        () -> {
          DvsConfig existing = state.get(id);
          if (existing != null) {
            throw alreadyExists(
                "a DVS with id %s exists already ('%s')", id, existing.dvs().getName());
          }
          store.createWhole(
              target,
              records.record(
                  "restore",
                  null,
                  target,
                  target.generation(),
                  target.portGroups().size() + target.ports().size(),
                  ""));
          if (state.partial()) {
            // Leadership per DVS: its owner claims it, loads it and pushes it (probing first).
            LOG.info("restored DVS {} ({}) as a new switch", target.dvs().getName(), id);
            hook.after(target);
            return target;
          }
          state.put(id, target);
          LOG.info(
              "restored DVS {} ({}) at generation {}: {} port groups, {} ports",
              target.dvs().getName(),
              id,
              target.generation(),
              target.portGroups().size(),
              target.ports().size());
          PushIntent intent = PushIntent.bestEffort(options.confirmTimeoutMs());
          ConfigService.notifyListener(
              () -> listener.committed(CommittedChange.of(null, target), intent));
          hook.after(target);
          return target;
        });
  }

  /** See {@link ConfigService#deleteDvs}. */
  DvsConfig delete(String dvsRef, long expectedGeneration) {
    LeaderState state = guard.require();
    String id = state.byRef(dvsRef).id();
    return guard.locked(
        id,
        state,
        () -> {
          DvsConfig last = state.forWrite(id, dvsRef, expectedGeneration);
          if (!last.ports().isEmpty()) {
            throw SwitchplaneException.precondition(
                "DVS '%s' still has %d port(s); delete them first",
                last.dvs().getName(), last.ports().size());
          }
          OwnedNetworks.requireNoneIn(last);
          state.storeOrReload(
              store,
              id,
              () ->
                  store.delete(
                      last, records.record("delete", last, null, last.removalGeneration(), 1, "")));
          state.remove(id);
          LOG.info(
              "deleted DVS {} ({}) at generation {}", last.dvs().getName(), id, last.generation());
          ConfigService.notifyListener(() -> listener.deleted(last));
          return last;
        });
  }
}
