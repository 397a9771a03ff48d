package io.switchplane.manager.changeset;

import java.util.Objects;

/**
 * Whom a change set is planned for, as the rules of owned networks judge it ({@link
 * OwnedNetworks}): operators (every operator, admin and the manager's own writers alike), or one
 * network manager, by its name. It comes from the authenticated caller, never from the request.
 *
 * @param networkManager the network manager's name; empty: operators
 */
public record Author(String networkManager) {
  /** Operators: they may not change an owned port group. */
  public static final Author OPERATOR = new Author("");

  public Author {
    Objects.requireNonNull(networkManager, "networkManager");
  }

  /** The network manager of this name (its user name). */
  public static Author networkManager(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a network manager has a name");
    }
    return new Author(name);
  }

  public boolean isNetworkManager() {
    return !networkManager.isEmpty();
  }

  /** For messages: "network manager 'nsx'" or "operators". */
  public String describe() {
    return isNetworkManager() ? "network manager '" + networkManager + "'" : "operators";
  }
}
