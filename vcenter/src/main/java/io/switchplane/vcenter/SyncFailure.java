package io.switchplane.vcenter;

import com.vmware.vim25.MethodFault;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.rmi.RemoteException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * What went wrong with a vCenter, in words an operator can act on, and the sync state it leads to.
 * yavijava wraps transport errors in RemoteExceptions, so the cause chain is searched. Messages
 * name the URL and user, never the password.
 */
record SyncFailure(SyncStatus.State state, String message) {
  private static final Pattern XSI_TYPE =
      Pattern.compile("<detail><[A-Za-z]+ [^>]*xsi:type=\"([A-Za-z]+)\"");

  static SyncFailure of(Throwable t, VcenterEndpoint endpoint) {
    String where = endpoint.url().toString();
    String fault = faultType(t);
    if (fault.equals("InvalidLogin")) {
      return new SyncFailure(
          SyncStatus.State.AUTH_FAILED,
          "vCenter "
              + where
              + " refused user '"
              + endpoint.user()
              + "' (InvalidLogin): check the user name and password");
    }
    if (fault.equals("NotAuthenticated")) {
      return new SyncFailure(
          SyncStatus.State.RETRYING,
          "session with "
              + where
              + " expired or was closed by vCenter (NotAuthenticated): logging in again");
    }
    Throwable tls = find(t, SSLException.class);
    if (tls == null) {
      tls = find(t, GeneralSecurityException.class);
    }
    if (tls != null) {
      return new SyncFailure(
          SyncStatus.State.RETRYING,
          "TLS with "
              + where
              + " failed ("
              + tls.getMessage()
              + "): give a trust store holding its certificate, or mark it insecure");
    }
    for (Class<? extends IOException> c :
        List.of(
            ConnectException.class,
            UnknownHostException.class,
            NoRouteToHostException.class,
            SocketTimeoutException.class)) {
      Throwable n = find(t, c);
      if (n != null) {
        return new SyncFailure(
            SyncStatus.State.RETRYING,
            "vCenter "
                + where
                + " unreachable: "
                + n.getClass().getSimpleName()
                + " "
                + n.getMessage());
      }
    }
    Throwable io = transport(t);
    if (io != null) {
      return new SyncFailure(
          SyncStatus.State.RETRYING, "connection to " + where + " failed: " + describe(io));
    }
    if (!fault.isEmpty()) {
      return new SyncFailure(
          SyncStatus.State.RETRYING, "vCenter " + where + " answered with fault " + fault);
    }
    return new SyncFailure(
        SyncStatus.State.RETRYING, "sync with " + where + " failed: " + describe(deepest(t)));
  }

  /**
   * The vSphere fault type in the chain ("InvalidLogin"), or "". yavijava maps a SOAP fault to its
   * exception class by setting Throwable.detailMessage through reflection, which Java 17 refuses
   * unless java.base/java.lang is opened to it: it then throws a RuntimeException "Could not map
   * the soap fault from: ...xsi:type="InvalidLogin"...", read here as well.
   */
  static String faultType(Throwable t) {
    MethodFault mapped = find(t, MethodFault.class);
    if (mapped != null) {
      return mapped.getClass().getSimpleName();
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && c.getMessage().contains("Could not map the soap fault")) {
        Matcher m = XSI_TYPE.matcher(c.getMessage());
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    return "";
  }

  /** The first transport error in the chain (yavijava's RemoteExceptions only wrap them). */
  private static Throwable transport(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof IOException && !(c instanceof RemoteException)) {
        return c;
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " " + t.getMessage());
  }

  private static Throwable deepest(Throwable t) {
    Throwable d = t;
    while (d.getCause() != null && d.getCause() != d) {
      d = d.getCause();
    }
    return d;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
