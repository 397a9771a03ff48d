package io.switchplane.rpc.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager presenting whatever identity it holds now: a renewed certificate is swapped in and
 * the next handshake presents it, while connections already open keep theirs. This is what lets a
 * certificate rotate under a stream of calls without failing one. With no identity (a manager
 * before the cluster CA exists) it presents none, and the handshake fails.
 */
public final class SwappableKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "switchplane";
  private final AtomicReference<TlsIdentity> current = new AtomicReference<>();

  public SwappableKeyManager() {}

  public SwappableKeyManager(TlsIdentity identity) {
    current.set(identity);
  }

  /** Presents identity from the next handshake on. */
  public void set(TlsIdentity identity) {
    current.set(identity);
  }

  public Optional<TlsIdentity> current() {
    return Optional.ofNullable(current.get());
  }

  private String alias() {
    return current.get() == null ? null : ALIAS;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return alias() == null ? null : new String[] {ALIAS};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return alias();
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return alias();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias();
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsIdentity id = current.get();
    return id == null ? null : id.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsIdentity id = current.get();
    return id == null ? null : id.key();
  }
}
