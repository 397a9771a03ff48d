package io.switchplane.manager.auth;

import io.switchplane.api.v1.AddUserResponse;
import io.switchplane.api.v1.OperatorUser;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.WhoAmIResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.store.UserStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators: adding one makes its token (returned once, stored as a hash) and its DVS scope (names
 * resolved to ids, so a renamed DVS stays in scope); removing one revokes its token.
 *
 * <p>A network manager (an external system such as NSX) is registered the same way, as a user with
 * the network-manager role and no scope: its user name is the owner name of the networks it
 * publishes ({@code PortGroup.owner}), and it authenticates with its token or a client certificate
 * naming that user, like any operator. Removing it leaves its networks owned by that name (and a
 * network manager added again under it owns them again).
 */
public final class Users {
  private static final Logger LOG = LoggerFactory.getLogger(Users.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private final UserStore store;
  private final Function<String, Optional<String>> dvsId;
  private final Clock clock;

  /**
   * @param dvsId the id of a DVS by id or name
   */
  public Users(UserStore store, Function<String, Optional<String>> dvsId, Clock clock) {
    this.store = store;
    this.dvsId = dvsId;
    this.clock = clock;
  }

  public AddUserResponse add(String name, Role role, List<String> scope) {
    if (!NAME.matcher(name).matches()) {
      throw SwitchplaneException.invalid(
          "operator name '%s' is not allowed: 1-64 of a-z, 0-9, '.', '_', '-',"
              + " starting with a letter or digit",
          name.length() > 80 ? name.substring(0, 77) + "..." : name);
    }
    if (role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED) {
      throw SwitchplaneException.invalid(
          "role is required: viewer, operator, admin or network-manager");
    }
    if (role == Role.ROLE_NETWORK_MANAGER && !scope.isEmpty()) {
      throw SwitchplaneException.invalid(
          "network manager '%s': no DVS scope; it changes only the networks it publishes", name);
    }
    List<String> ids = new ArrayList<>();
    for (String ref : scope) {
      ids.add(
          dvsId
              .apply(ref)
              .orElseThrow(() -> SwitchplaneException.notFound("DVS '%s' not found", ref)));
    }
    String token = Tokens.generate();
    OperatorUser user =
        OperatorUser.newBuilder()
            .setName(name)
            .setRole(role)
            .addAllDvsScope(ids)
            .setTokenSha256(Tokens.hash(token))
            .setCreatedUnixMs(clock.millis())
            .setCreatedBy(Caller.current().principal())
            .build();
    store.add(user);
    LOG.info("operator {} added as {} by {}", name, AccessPolicy.label(role), user.getCreatedBy());
    return AddUserResponse.newBuilder()
        .setUser(user.toBuilder().clearTokenSha256())
        .setToken(token)
        .build();
  }

  public List<OperatorUser> list() {
    return store.list().stream().map(u -> u.toBuilder().clearTokenSha256().build()).toList();
  }

  public void remove(String name) {
    store.remove(name);
    LOG.info(
        "operator {} removed by {}; its token is refused from now on",
        name,
        Caller.current().principal());
  }

  public WhoAmIResponse whoAmI() {
    Caller c = Caller.current();
    return WhoAmIResponse.newBuilder()
        .setPrincipal(c.principal())
        .setRole(c.role())
        .addAllDvsScope(c.scope())
        .setOpen(!store.anyUser())
        .setAddress(c.address())
        .build();
  }
}
