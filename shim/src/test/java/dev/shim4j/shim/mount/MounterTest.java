package dev.shim4j.shim.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.types.Mount;
import dev.shim4j.sys.MountInfo;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real mounts on temporary directories (the tests run as root, as a shim does). */
class MounterTest {
  private Path dir;

  @BeforeEach
  void makeDir() throws IOException {
    dir = Files.createTempDirectory("shim4j-mount-").toRealPath();
  }

  @AfterEach
  void cleanUp() throws IOException {
    Mounter.unmountAll(dir);
    assertThat(MountInfo.under(MountInfo.current(), dir)).isEmpty();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Mount mount(String type, String source, String... options) {
    return Mount.newBuilder().setType(type).setSource(source).addAllOptions(List.of(options)).build();
  }

  private MountInfo mountAt(Path p) throws IOException {
    return MountInfo.current().stream().filter(m -> m.mountPoint().equals(p)).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("nothing mounted at " + p));
  }

  @Test
  void tmpfsWithDataAndFlags() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Mounter.mountAll(List.of(mount("tmpfs", "tmpfs", "nosuid", "nodev", "size=1m", "mode=755")), rootfs);
    MountInfo m = mountAt(rootfs);
    assertThat(m.fsType()).isEqualTo("tmpfs");
    assertThat(m.options()).contains("nosuid").contains("nodev");
    assertThat(m.superOptions()).contains("size=1024k");
    Files.writeString(rootfs.resolve("f"), "x");
  }

  @Test
  void readOnlyBindIsRemountedReadOnly() throws Exception {
    Path src = Files.createDirectory(dir.resolve("src"));
    Files.writeString(src.resolve("hello"), "hi");
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Mounter.mountAll(List.of(mount("bind", src.toString(), "rbind", "ro", "rprivate")), rootfs);
    assertThat(Files.readString(rootfs.resolve("hello"))).isEqualTo("hi");
    assertThat(mountAt(rootfs).options().split(",")).contains("ro");
    assertThatThrownBy(() -> Files.writeString(rootfs.resolve("new"), "x"))
        .isInstanceOf(FileSystemException.class).hasMessageContaining("Read-only");
    assertThat(mountAt(rootfs).optionalFields()).noneMatch(f -> f.startsWith("shared:"));
  }

  @Test
  void overlayLikeContainerdSnapshots() throws Exception {
    Path lower = Files.createDirectory(dir.resolve("lower"));
    Path upper = Files.createDirectory(dir.resolve("upper"));
    Path work = Files.createDirectory(dir.resolve("work"));
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Files.writeString(lower.resolve("from-lower"), "L");
    Mounter.mountAll(List.of(mount("overlay", "overlay", "workdir=" + work, "upperdir=" + upper,
        "lowerdir=" + lower)), rootfs);
    assertThat(mountAt(rootfs).fsType()).isEqualTo("overlay");
    assertThat(Files.readString(rootfs.resolve("from-lower"))).isEqualTo("L");
    Files.writeString(rootfs.resolve("written"), "W");
    assertThat(upper.resolve("written")).exists();
    assertThat(lower.resolve("written")).doesNotExist();
  }

  @Test
  void unmountAllTakesDownNestedAndStackedMountsDeepestFirst() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Mounter.mount(mount("tmpfs", "tmpfs"), rootfs);
    Mounter.mount(mount("tmpfs", "tmpfs"), rootfs); // stacked on the same path
    Path proc = Files.createDirectories(rootfs.resolve("a/b"));
    Mounter.mount(mount("tmpfs", "tmpfs"), proc);
    assertThat(MountInfo.under(MountInfo.current(), rootfs)).hasSize(3);
    Mounter.unmountAll(rootfs);
    assertThat(MountInfo.under(MountInfo.current(), rootfs)).isEmpty();
    Mounter.unmountAll(rootfs); // idempotent
    Mounter.unmountAll(dir.resolve("never-existed"));
  }

  @Test
  void busyMountIsDetachedInTheEnd() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Mounter.mount(mount("tmpfs", "tmpfs"), rootfs);
    try (var open = Files.newOutputStream(rootfs.resolve("held"))) {
      // An open file makes umount2 fail with EBUSY until the lazy detach.
      Mounter.unmount(rootfs);
      open.write(1);
    }
    assertThat(MountInfo.under(MountInfo.current(), rootfs)).isEmpty();
  }

  @Test
  void entryTargetsAreJoinedInsideTheRoot() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Files.createDirectories(rootfs.resolve("data"));
    Mount inner = mount("tmpfs", "tmpfs").toBuilder().setTarget("/data").build();
    Mounter.mountAll(List.of(inner), rootfs);
    assertThat(mountAt(rootfs.resolve("data")).fsType()).isEqualTo("tmpfs");
    Mount escaping = mount("tmpfs", "tmpfs").toBuilder().setTarget("../../etc").build();
    assertThatThrownBy(() -> Mounter.mountAll(List.of(escaping), rootfs))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("escapes");
  }

  @Test
  void failureNamesTheMountAndUndoesEarlierOnes() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    Path before = Files.createDirectory(dir.resolve("before"));
    Mounter.mount(mount("tmpfs", "tmpfs"), before); // someone else's mount: must survive the rollback
    Mount good = mount("tmpfs", "tmpfs");
    Mount bad = mount("bind", dir.resolve("missing").toString(), "bind");
    assertThatThrownBy(() -> Mounter.mountAll(List.of(good, bad), rootfs))
        .isInstanceOf(SysException.class).hasMessageContaining("missing").hasMessageContaining("ENOENT");
    assertThat(MountInfo.under(MountInfo.current(), rootfs)).isEmpty();
    assertThat(MountInfo.under(MountInfo.current(), before)).hasSize(1);
  }

  @Test
  void unsupportedAndOversizedOptionsAreRefusedBeforeMounting() throws Exception {
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    assertThatThrownBy(() -> Mounter.mount(mount("ext4", "/img", "loop"), rootfs))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("loop");
    assertThatThrownBy(() -> Mounter.mount(mount("overlay", "overlay", "lowerdir=" + "/x".repeat(2000)), rootfs))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    assertThat(MountInfo.under(MountInfo.current(), rootfs)).isEmpty();
  }

  @Test
  void kernelErrorsReachTheCaller() {
    // Unknown filesystem type: the kernel's ENODEV reaches the caller.
    Path rootfs = dir;
    assertThatThrownBy(() -> Mounter.mount(mount("nosuchfs", "none"), rootfs))
        .isInstanceOf(SysException.class).hasMessageContaining("ENODEV");
  }
}
