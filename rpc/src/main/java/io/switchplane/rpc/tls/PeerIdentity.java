package io.switchplane.rpc.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a certificate of the cluster CA names: a role and a name, carried as one URI subject
 * alternative name {@code urn:switchplane:ROLE:NAME} (the CN repeats the name for humans). Hosts
 * are named by their host id; managers by their manager id; operators by their user name.
 */
public record PeerIdentity(Role role, String name) {
  private static final String PREFIX = "urn:switchplane:";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@\\[\\]-]{1,128}");

  /** GeneralName type of a URI in X509Certificate#getSubjectAlternativeNames. */
  private static final int URI_NAME = 6;

  /** What a certificate lets its holder do. */
  public enum Role {
    /** A manager: may call agents and sign with the CA. */
    MANAGER("manager"),
    /** A host agent: serves its API to managers and renews its own certificate. */
    HOST("host"),
    /**
     * An operator: calls the manager's operator API as the user of that name (its role is the
     * user's).
     */
    USER("user");

    private final String label;

    Role(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public PeerIdentity {
    Objects.requireNonNull(role, "role");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a certificate name is 1-128 of A-Z a-z 0-9 . _ : @ [ ] -, was '" + name + "'");
    }
  }

  public static PeerIdentity host(String hostId) {
    return new PeerIdentity(Role.HOST, hostId);
  }

  public static PeerIdentity manager(String managerId) {
    return new PeerIdentity(Role.MANAGER, managerId);
  }

  public static PeerIdentity user(String userName) {
    return new PeerIdentity(Role.USER, userName);
  }

  /** The URI subject alternative name that carries this identity. */
  public String uri() {
    return PREFIX + role.label + ":" + name;
  }

  /** The identity a URI names, empty when it is not one of ours or malformed. */
  public static Optional<PeerIdentity> parse(String uri) {
    if (uri == null || !uri.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = uri.substring(PREFIX.length());
    for (Role r : Role.values()) {
      String head = r.label + ":";
      if (rest.startsWith(head) && NAME.matcher(rest.substring(head.length())).matches()) {
        return Optional.of(new PeerIdentity(r, rest.substring(head.length())));
      }
    }
    return Optional.empty();
  }

  /** The identity a certificate names: exactly one of our URIs, else empty. */
  public static Optional<PeerIdentity> of(X509Certificate cert) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    List<PeerIdentity> found =
        names.stream()
            .filter(n -> n.size() == 2 && Integer.valueOf(URI_NAME).equals(n.get(0)))
            .map(n -> parse(String.valueOf(n.get(1))))
            .flatMap(Optional::stream)
            .toList();
    return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
  }

  @Override
  public String toString() {
    return role.label + " " + name;
  }
}
