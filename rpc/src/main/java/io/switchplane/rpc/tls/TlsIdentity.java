package io.switchplane.rpc.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/** A private key with its certificate chain (leaf first, then the CA), what a TLS peer presents. */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {
  public TlsIdentity {
    Objects.requireNonNull(key, "key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an identity needs at least its own certificate");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Milliseconds since the epoch when the leaf expires. */
  public long notAfterMs() {
    return leaf().getNotAfter().getTime();
  }
}
