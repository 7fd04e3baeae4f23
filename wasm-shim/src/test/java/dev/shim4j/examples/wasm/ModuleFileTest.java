package dev.shim4j.examples.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module path is the image's, so hostile: it must stay inside the rootfs. */
class ModuleFileTest {
  @TempDir Path dir;

  @Test
  void readsAModuleInsideTheRootfs() throws IOException {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs/app"));
    Files.write(rootfs.resolve("m.wasm"), new byte[] {0, 'a', 's', 'm'});

    assertThat(ModuleFile.read(dir.resolve("rootfs"), "/app/m.wasm")).containsExactly(0, 'a', 's', 'm');
    assertThat(ModuleFile.read(dir.resolve("rootfs"), "app//./m.wasm")).hasSize(4);
  }

  @Test
  void refusesASymbolicLinkAnywhereOnThePath() throws IOException {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Path secret = Files.writeString(dir.resolve("host-secret"), "host only");
    Files.createSymbolicLink(rootfs.resolve("m.wasm"), secret);
    Files.createSymbolicLink(rootfs.resolve("app"), dir);

    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/m.wasm"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("symbolic link");
    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/app/host-secret"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("symbolic link");
  }

  @Test
  void refusesDotDotMissingFilesDirectoriesAndTheRoot() throws IOException {
    Path rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("sub"));
    Files.writeString(dir.resolve("outside.wasm"), "x");

    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/../outside.wasm")).hasMessageContaining("'..'");
    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/nope.wasm")).hasMessageContaining("does not exist");
    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/sub")).hasMessageContaining("not a regular file");
    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/")).hasMessageContaining("names the root");
  }

  @Test
  void refusesAModuleLargerThanTheBound() throws IOException {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    try (var f = new java.io.RandomAccessFile(rootfs.resolve("huge.wasm").toFile(), "rw")) {
      f.setLength(ModuleFile.MAX_BYTES + 1); // sparse: no disk used
    }

    assertThatThrownBy(() -> ModuleFile.read(rootfs, "/huge.wasm")).hasMessageContaining("more than the");
  }
}
