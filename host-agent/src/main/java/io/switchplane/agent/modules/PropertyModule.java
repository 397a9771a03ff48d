package io.switchplane.agent.modules;

import java.util.List;

/**
 * A host module that owns one property namespace: the agent hands it the effective values of its
 * namespace (opaque bytes the manager forwarded without parsing them) and it makes them real on the
 * host. Found with {@link java.util.ServiceLoader} (list implementations in {@code
 * META-INF/services/io.switchplane.agent.modules.PropertyModule}); one module per namespace. Calls
 * for one DVS never overlap; calls for different DVSes may.
 */
public interface PropertyModule {
  /** The namespace this module claims, e.g. "com.example.qos". */
  String namespace();

  /**
   * Whether a failure of this module must not fail an apply. A non-advisory module that throws from
   * {@link #onApply} fails the apply like a backend failure: the switch is taken back and the
   * manager gets ABORTED. An advisory one is logged and the apply goes on.
   */
  default boolean advisory() {
    return false;
  }

  /**
   * Called once when the agent starts, after it restored its switches and before it serves: the
   * effective values of this namespace on every switch the host has (possibly none).
   */
  void onStart(ModuleContext context, List<SwitchValues> switches) throws ModuleException;

  /**
   * Called within an apply, after the backend applied the ports and before the state is stored,
   * with what changed in this namespace (only when something did). Also called when an apply is
   * undone (update.undo() is true: a refused apply, a rollback); a failure then is logged and never
   * stops the undo.
   */
  void onApply(PropertyUpdate update) throws ModuleException;
}
