package dev.shim4j.shim.cgroup;

import dev.shim4j.sys.MountInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Finding cgroups: of a process, or by path (runc's cgroupsPath, the shim_cgroup option). */
public final class Cgroups {
  private Cgroups() {}

  /** The cgroup of {@code pid}: v1 controllers on LEGACY and HYBRID hosts, the v2 group on UNIFIED. */
  public static Cgroup ofProcess(int pid) throws IOException {
    List<MountInfo> mounts = MountInfo.current();
    ProcCgroups proc = ProcCgroups.of(pid);
    if (CgroupMode.detect(mounts) == CgroupMode.UNIFIED) {
      if (proc.unified() == null) {
        throw new IllegalStateException("process " + pid + " has no cgroup v2 membership");
      }
      return new CgroupV2(join(CgroupMode.ROOT, proc.unified()));
    }
    return CgroupV1.of(proc, mounts);
  }

  /**
   * The cgroup at {@code path} ("/shim4j/c1"): below /sys/fs/cgroup on UNIFIED hosts, below each
   * v1 hierarchy otherwise. A systemd-style "slice:prefix:name" path is not resolved here.
   */
  public static Cgroup at(String path) throws IOException {
    List<MountInfo> mounts = MountInfo.current();
    if (CgroupMode.detect(mounts) == CgroupMode.UNIFIED) {
      return new CgroupV2(join(CgroupMode.ROOT, path));
    }
    return CgroupV1.at(path, mounts);
  }

  /** Moves {@code pid} into the cgroup at {@code path}: how a shim joins the shim_cgroup option. */
  public static void moveProcess(int pid, String path) throws IOException {
    at(path).moveProcess(pid);
  }

  static Path join(Path root, String path) {
    String rel = path.replaceFirst("^/+", "");
    Path p = rel.isEmpty() ? root : root.resolve(rel).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("cgroup path " + path + " escapes " + root);
    }
    return p;
  }
}
