package io.switchplane.agent.backend;

import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base for backends that can only change one port at a time: gives them the all-or-nothing contract
 * of {@link SwitchBackend#apply} by undoing, in reverse order, the operations already done when one
 * fails.
 */
public abstract class OpByOpBackend implements SwitchBackend {
  private static final Logger LOG = LoggerFactory.getLogger(OpByOpBackend.class);

  /** Applies one operation; must leave the switch unchanged when it throws. */
  protected abstract void applyOne(String dvsId, PortOp op) throws BackendException;

  /**
   * Applies one operation while undoing a failed apply. Defaults to {@link #applyOne}; backends
   * with fault injection override it so that an injected fault never hits the undo itself.
   */
  protected void undoOne(String dvsId, PortOp op) throws BackendException {
    applyOne(dvsId, op);
  }

  @Override
  public final void apply(String dvsId, List<PortOp> ops) throws BackendException {
    int done = 0;
    try {
      for (PortOp op : ops) {
        applyOne(dvsId, op);
        done++;
      }
    } catch (BackendException | RuntimeException e) {
      PortOp failed = ops.get(done);
      BackendException failure =
          new BackendException(
              String.format(
                  "%s backend failed at operation %d of %d (%s) on DVS %s: %s",
                  name(), done + 1, ops.size(), failed, dvsId, e.getMessage()),
              failed,
              done + 1,
              e);
      undo(dvsId, ops.subList(0, done), failure);
      throw failure;
    }
  }

  /**
   * Undoes applied (in reverse); an undo failure is attached to failure and logged, never hidden.
   */
  private void undo(String dvsId, List<PortOp> applied, BackendException failure) {
    List<PortOp> inverse = PortDiff.inverse(applied);
    for (PortOp op : inverse) {
      try {
        undoOne(dvsId, op);
      } catch (BackendException | RuntimeException e) {
        // The switch is now in neither state: say so loudly; the caller still sees the first cause.
        LOG.error(
            "{} backend could not undo {} on DVS {} after a failed apply; the switch has drifted",
            name(),
            op,
            dvsId,
            e);
        failure.addSuppressed(e);
      }
    }
    LOG.debug("{} backend undid {} operations on DVS {}", name(), applied.size(), dvsId);
  }
}
