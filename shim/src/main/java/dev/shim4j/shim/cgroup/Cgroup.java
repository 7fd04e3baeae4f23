package dev.shim4j.shim.cgroup;

import com.google.protobuf.Message;
import java.io.IOException;
import java.util.List;

/** One container's (or the shim's) cgroup, on either cgroup version. */
public sealed interface Cgroup permits CgroupV1, CgroupV2 {
  /**
   * Resource usage as containerd's Stats answers it: an {@code io.containerd.cgroups.v1.Metrics}
   * or an {@code io.containerd.cgroups.v2.Metrics}. Controllers that are not there are left out.
   */
  Message metrics() throws IOException;

  /** Moves {@code pid} into this cgroup (writes it to cgroup.procs). */
  void moveProcess(int pid) throws IOException;

  /** The processes in this cgroup (not its children). */
  List<Integer> pids() throws IOException;

  /** False once the cgroup directory was removed. */
  boolean exists();
}
