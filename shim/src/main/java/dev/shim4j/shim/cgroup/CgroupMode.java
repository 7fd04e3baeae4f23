package dev.shim4j.shim.cgroup;

import dev.shim4j.sys.MountInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How the host mounts cgroups, decided as containerd does: cgroup2 at /sys/fs/cgroup is
 * UNIFIED; cgroup v1 controllers with a cgroup2 at /sys/fs/cgroup/unified is HYBRID (containerd
 * then uses the v1 controllers for everything); v1 alone is LEGACY.
 */
public enum CgroupMode {
  LEGACY, HYBRID, UNIFIED;

  static final Path ROOT = Path.of("/sys/fs/cgroup");

  /** True when metrics and limits live in v1 controller hierarchies. */
  public boolean usesV1Controllers() {
    return this != UNIFIED;
  }

  public static CgroupMode detect() throws IOException {
    return detect(MountInfo.current());
  }

  public static CgroupMode detect(List<MountInfo> mounts) {
    if (fsTypeAt(mounts, ROOT).equals("cgroup2")) {
      return UNIFIED;
    }
    if (fsTypeAt(mounts, ROOT.resolve("unified")).equals("cgroup2")) {
      return HYBRID;
    }
    return LEGACY;
  }

  /** The type of the topmost mount at {@code path}, or "". */
  private static String fsTypeAt(List<MountInfo> mounts, Path path) {
    String type = "";
    for (MountInfo m : mounts) {
      if (m.mountPoint().equals(path)) {
        type = m.fsType(); // a later line is mounted over an earlier one
      }
    }
    return type;
  }
}
