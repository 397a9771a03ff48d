package io.switchplane.vcenter;

import com.vmware.vim25.ws.ClientCreator;
import com.vmware.vim25.ws.WSClient;
import java.net.MalformedURLException;
import java.rmi.RemoteException;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * yavijava's SOAP client with a TLS context of its own per connection. yavijava's {@code
 * CustomSSLTrustContextCreator} caches the first trust manager it is given for the whole JVM, so a
 * second vCenter would be checked against the first one's trust (an "insecure" first vCenter would
 * make every later one insecure). Installed once through {@link ClientCreator#clientClass}, the
 * hook yavijava offers for this.
 */
public final class SessionTlsClient extends WSClient {
  static {
    ClientCreator.clientClass = SessionTlsClient.class;
  }

  /** Makes yavijava create this client; idempotent. */
  static void install() {
    // The static initializer did it.
  }

  public SessionTlsClient(String serverUrl, boolean ignoreCert)
      throws MalformedURLException, RemoteException {
    super(serverUrl, ignoreCert);
  }

  public SessionTlsClient(String serverUrl, boolean ignoreCert, TrustManager trustManager)
      throws MalformedURLException, RemoteException {
    super(serverUrl, ignoreCert, trustManager);
  }

  @Override
  protected SSLSocketFactory getCustomTrustManagerSocketFactory(TrustManager tm)
      throws RemoteException {
    if (tm == null) {
      return null;
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {tm}, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new RemoteException("cannot set up TLS for vCenter", e);
    }
  }
}
