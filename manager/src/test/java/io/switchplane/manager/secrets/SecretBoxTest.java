package io.switchplane.manager.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  @TempDir Path dir;

  @Test
  void sealsWithAPrivateKeyFileAndOnlyThatKeyAndContextUnseal() throws Exception {
    SecretBox box = new SecretBox(dir.resolve("key"));
    byte[] sealed = box.seal("hunter2", "vc1");
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("key"))))
        .isEqualTo("rw-------");
    assertThat(new SecretBox(dir.resolve("key")).unseal(sealed, "vc1"))
        .as("a second manager with the same key file")
        .isEqualTo("hunter2");
    assertThat(box.seal("hunter2", "vc1")).as("a fresh nonce each time").isNotEqualTo(sealed);
    assertThatThrownBy(() -> box.unseal(sealed, "vc2"))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
    assertThatThrownBy(() -> new SecretBox(dir.resolve("other")).unseal(sealed, "vc1"))
        .hasMessageContaining("sealed with another key");
  }
}
