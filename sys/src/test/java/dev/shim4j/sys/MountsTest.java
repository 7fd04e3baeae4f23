package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountsTest {
  @TempDir Path tmp;

  @Test
  void mountsAndUnmountsATmpfs() throws Exception {
    Path target = Files.createDirectory(tmp.resolve("mnt")).toRealPath();
    Mounts.mount("shim4j-test", target, "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV, "size=1m,mode=700");
    try {
      MountInfo info = MountInfo.current().stream()
          .filter(m -> m.mountPoint().equals(target)).findFirst().orElseThrow();
      assertThat(info.fsType()).isEqualTo("tmpfs");
      assertThat(info.source()).isEqualTo("shim4j-test");
      assertThat(info.hasOption("nosuid")).isTrue();
      Files.writeString(target.resolve("f"), "on tmpfs");
    } finally {
      Mounts.unmount(target, 0);
    }
    assertThat(MountInfo.isMountPoint(MountInfo.current(), target)).isFalse();
    assertThat(Files.exists(target.resolve("f"))).isFalse();
  }

  @Test
  void nestedMountsUnmountDeepestFirstAndLazily() throws Exception {
    Path outer = Files.createDirectory(tmp.resolve("outer")).toRealPath();
    Mounts.mount("outer", outer, "tmpfs", 0, null);
    Path inner = Files.createDirectories(outer.resolve("a/inner"));
    Mounts.mount("inner", inner, "tmpfs", 0, null);
    Path bind = Files.createDirectories(outer.resolve("bind"));
    Mounts.mount(inner.toString(), bind, null, Mounts.MS_BIND, null);
    List<MountInfo> under = MountInfo.under(MountInfo.current(), outer);
    assertThat(under).extracting(MountInfo::mountPoint).containsExactly(inner, bind, outer);
    for (MountInfo m : under) {
      Mounts.unmount(m.mountPoint(), Mounts.MNT_DETACH);
    }
    assertThat(MountInfo.under(MountInfo.current(), outer)).isEmpty();
  }

  @Test
  void unmountOfANonMountIsEinval() throws Exception {
    assertThatThrownBy(() -> Mounts.unmount(tmp, 0))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
        .hasMessageStartingWith("umount2 " + tmp);
  }

  @Test
  void badFilesystemTypeIsENODEV() throws Exception {
    assertThatThrownBy(() -> Mounts.mount("x", tmp, "no-such-fs", 0, null))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV))
        .hasMessageContaining("mount x on " + tmp + " (no-such-fs)");
  }

  @Test
  void parsesMountinfoLines() {
    MountInfo m = MountInfo.parseLine(
        "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue");
    assertThat(m.id()).isEqualTo(36);
    assertThat(m.parentId()).isEqualTo(35);
    assertThat(m.device()).isEqualTo("98:0");
    assertThat(m.root()).isEqualTo("/mnt1");
    assertThat(m.mountPoint()).isEqualTo(Path.of("/mnt/with space"));
    assertThat(m.optionalFields()).containsExactly("master:1", "shared:2");
    assertThat(m.fsType()).isEqualTo("ext3");
    assertThat(m.source()).isEqualTo("/dev/root");
    assertThat(m.superOptions()).isEqualTo("rw,errors=continue");
    assertThat(m.hasOption("noatime")).isTrue();
    MountInfo noOptional = MountInfo.parseLine("1 0 0:1 / / rw - overlay overlay rw,lowerdir=/a");
    assertThat(noOptional.optionalFields()).isEmpty();
    assertThatThrownBy(() -> MountInfo.parseLine("garbage")).isInstanceOf(IllegalArgumentException.class);
  }
}
