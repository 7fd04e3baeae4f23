package dev.shim4j.shim.mount;

import static dev.shim4j.sys.Mounts.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
  @Test
  void flagsAndDataAreSplit() {
    MountOptions o = MountOptions.parse(List.of("ro", "nosuid", "nodev", "lowerdir=/a:/b", "upperdir=/u",
        "workdir=/w", "index=off"));
    assertThat(o.flags()).isEqualTo(MS_RDONLY | MS_NOSUID | MS_NODEV);
    assertThat(o.data()).isEqualTo("lowerdir=/a:/b,upperdir=/u,workdir=/w,index=off");
    assertThat(o.propagation()).isZero();
    assertThat(o.loop()).isFalse();
  }

  @Test
  void laterWordsWin() {
    assertThat(MountOptions.parse(List.of("ro", "rw")).flags()).isZero();
    assertThat(MountOptions.parse(List.of("noexec", "exec", "suid", "nosuid")).flags()).isEqualTo(MS_NOSUID);
    assertThat(MountOptions.parse(List.of("defaults")).flags()).isZero();
    assertThat(MountOptions.parse(List.of("defaults")).data()).isEmpty();
  }

  @Test
  void bindAndRbind() {
    assertThat(MountOptions.parse(List.of("bind")).flags()).isEqualTo(MS_BIND);
    assertThat(MountOptions.parse(List.of("rbind", "ro")).flags()).isEqualTo(MS_BIND | MS_REC | MS_RDONLY);
  }

  @Test
  void propagationIsKeptApart() {
    MountOptions o = MountOptions.parse(List.of("rbind", "rprivate"));
    assertThat(o.flags()).isEqualTo(MS_BIND | MS_REC);
    assertThat(o.propagation()).isEqualTo(MS_PRIVATE | MS_REC);
    assertThat(MountOptions.parse(List.of("shared")).propagation()).isEqualTo(MS_SHARED);
    assertThat(MountOptions.parse(List.of("rslave")).propagation()).isEqualTo(MS_SLAVE | MS_REC);
  }

  @Test
  void loopAndContainerdHintsAreNotData() {
    MountOptions o = MountOptions.parse(List.of("loop", "X-containerd.mkdir.path=/x", "size=10m"));
    assertThat(o.loop()).isTrue();
    assertThat(o.data()).isEqualTo("size=10m");
  }
}
