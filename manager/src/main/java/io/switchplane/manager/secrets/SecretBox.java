package io.switchplane.manager.secrets;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets (vCenter passwords, the cluster CA's private key) before they go to ZooKeeper:
 * AES-256-GCM under a key that lives only in a file on each manager, never in ZooKeeper. Whoever
 * can read ZooKeeper sees ciphertext; a manager without the same key file cannot unseal and says
 * so. The key file is created (mode 0600, 32 random bytes) on first use; every manager of an
 * ensemble needs a copy.
 *
 * <p>Sealed form: 1 version byte, 12-byte nonce, ciphertext with the 16-byte tag. The context (the
 * vCenter name, the CA certificate's fingerprint) is the associated data, so a sealed secret moved
 * to another record fails.
 */
public final class SecretBox {
  private static final byte VERSION = 1;
  private static final int NONCE = 12;
  private static final int KEY = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path keyFile;
  private volatile SecretKeySpec key;

  /** A box over keyFile; reads or creates the file on the first seal or unseal. */
  public SecretBox(Path keyFile) {
    this.keyFile = keyFile;
  }

  public Path keyFile() {
    return keyFile;
  }

  public byte[] seal(String secret, String context) {
    return sealBytes(secret.getBytes(StandardCharsets.UTF_8), context);
  }

  /** FAILED_PRECONDITION when this manager's key is not the one that sealed it. */
  public String unseal(byte[] sealed, String context) {
    return new String(unsealBytes(sealed, context), StandardCharsets.UTF_8);
  }

  public byte[] sealBytes(byte[] secret, String context) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, nonce));
      c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(secret);
      return ByteBuffer.allocate(1 + NONCE + sealed.length)
          .put(VERSION)
          .put(nonce)
          .put(sealed)
          .array();
    } catch (GeneralSecurityException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "cannot seal a secret: " + e.getMessage(), e);
    }
  }

  /** As {@link #unseal}, for bytes. */
  public byte[] unsealBytes(byte[] sealed, String context) {
    if (sealed.length < 1 + NONCE + 16 || sealed[0] != VERSION) {
      throw SwitchplaneException.precondition(
          "the stored secret of '%s' is not in a format this manager reads", context);
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, sealed, 1, NONCE));
      c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE);
    } catch (javax.crypto.AEADBadTagException e) {
      throw SwitchplaneException.precondition(
          "the stored secret of '%s' was sealed with another key than %s; "
              + "copy the key file of the manager that stored it (or add the vCenter again)",
          context, keyFile);
    } catch (GeneralSecurityException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "cannot unseal a secret: " + e.getMessage(), e);
    }
  }

  private SecretKeySpec key() {
    SecretKeySpec k = key;
    if (k == null) {
      synchronized (this) {
        if (key == null) {
          key = new SecretKeySpec(loadOrCreate(), "AES");
        }
        k = key;
      }
    }
    return k;
  }

  private byte[] loadOrCreate() {
    try {
      if (!Files.exists(keyFile)) {
        byte[] fresh = new byte[KEY];
        RANDOM.nextBytes(fresh);
        Path dir = keyFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Written whole to a private temporary file, then linked in under the real name: a
        // manager starting at the same time, or after a crash, never reads a partial key, and
        // the link fails instead of replacing a key another manager made first.
        Path tmp =
            Files.createTempFile(
                dir,
                ".key-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
          Files.write(tmp, fresh, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
          Files.createLink(keyFile, tmp);
          return fresh;
        } catch (FileAlreadyExistsException e) {
          // another manager sharing the directory created it first: use theirs
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] k = Files.readAllBytes(keyFile);
      if (k.length != KEY) {
        throw SwitchplaneException.precondition(
            "key file %s has %d bytes, expected %d", keyFile, k.length, KEY);
      }
      return k;
    } catch (IOException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          "cannot read or create the key file " + keyFile + ": " + e.getMessage(),
          e);
    }
  }
}
