package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolDirTest {
  @TempDir Path tmp;

  @Test
  void missingDirectoriesAreMadeOwnerOnlyWithTheKeyInWords() throws Exception {
    Path dir = tmp.resolve("run/prefork/0123456789abcdef");
    PoolDir pool = PoolDir.open(dir, "address=/c.sock\nruntime=r\nnamespace=n\n");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent()))).isEqualTo("rwx------");
    assertThat(Files.readString(pool.file("key"))).contains("runtime=r");
    assertThat(pool.socket("spare", 42)).isEqualTo(dir.resolve("spare.42"));
  }

  @Test
  void aSymlinkedPoolOrRootIsRefusedAndNotFollowed() throws Exception {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
    Path root = Files.createDirectories(tmp.resolve("prefork"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(root.resolve("0123456789abcdef"), elsewhere);

    assertThatThrownBy(() -> PoolDir.open(root.resolve("0123456789abcdef"), "k"))
        .isInstanceOf(PoolDir.Untrusted.class);
    assertThat(elsewhere.resolve("key")).doesNotExist();

    Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked"), elsewhere);
    assertThatThrownBy(() -> PoolDir.open(linkedRoot.resolve("0123456789abcdef"), "k"))
        .isInstanceOf(PoolDir.Untrusted.class);
    assertThat(elsewhere.resolve("0123456789abcdef")).doesNotExist();
  }

  @Test
  void aGroupWritableOrForeignDirectoryIsRefused() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("prefork"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwx---"));
    assertThatThrownBy(() -> PoolDir.open(root.resolve("0123456789abcdef"), "k"))
        .isInstanceOf(PoolDir.Untrusted.class);
    assertThat(root.resolve("0123456789abcdef")).doesNotExist();

    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Path pool = Files.createDirectories(root.resolve("0123456789abcdef"));
    Files.setPosixFilePermissions(pool, PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(pool, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS); // nobody's
    assertThatThrownBy(() -> PoolDir.open(pool, "k")).isInstanceOf(PoolDir.Untrusted.class);
    assertThat(pool.resolve("key")).doesNotExist();
  }
}
