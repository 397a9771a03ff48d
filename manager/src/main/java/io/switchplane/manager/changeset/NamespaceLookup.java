package io.switchplane.manager.changeset;

/** How the planner knows which property namespaces are registered. */
@FunctionalInterface
public interface NamespaceLookup {
  /** Whether the namespace is registered (namespaces are never unregistered). */
  boolean registered(String namespace);
}
