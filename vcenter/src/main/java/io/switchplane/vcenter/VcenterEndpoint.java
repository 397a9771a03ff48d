package io.switchplane.vcenter;

import java.net.URL;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach and log in to one vCenter. The password is held only in memory; toString never
 * prints it.
 *
 * @param url the SDK URL, e.g. https://vc.example.com/sdk
 * @param insecure accept any server certificate (lab use)
 * @param trustStore PEM certificates, or a JKS/PKCS12 store readable without a password, to verify
 *     the server certificate against (host name included), or null for the JVM's
 */
public record VcenterEndpoint(
    URL url, String user, String password, boolean insecure, Path trustStore) {
  public VcenterEndpoint {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  @Override
  public String toString() {
    return "VcenterEndpoint[url="
        + url
        + ", user="
        + user
        + ", insecure="
        + insecure
        + ", trustStore="
        + trustStore
        + "]";
  }
}
