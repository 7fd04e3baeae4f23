package dev.shim4j.shim.cgroup;

import dev.shim4j.api.cgroups.v1.BlkIOEntry;
import dev.shim4j.api.cgroups.v1.BlkIOStat;
import dev.shim4j.api.cgroups.v1.CPUStat;
import dev.shim4j.api.cgroups.v1.CPUUsage;
import dev.shim4j.api.cgroups.v1.HugetlbStat;
import dev.shim4j.api.cgroups.v1.MemoryEntry;
import dev.shim4j.api.cgroups.v1.MemoryOomControl;
import dev.shim4j.api.cgroups.v1.MemoryStat;
import dev.shim4j.api.cgroups.v1.Metrics;
import dev.shim4j.api.cgroups.v1.PidsStat;
import dev.shim4j.api.cgroups.v1.Throttle;
import dev.shim4j.sys.MountInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cgroup v1 group: one directory per controller hierarchy. Metrics follow containerd's cgroups
 * v1 package field by field, so `ctr task metrics` and kubelet read the same numbers they would from
 * the Go shim.
 */
public final class CgroupV1 implements Cgroup {
  /** USER_HZ: cpuacct.stat counts in ticks of 1/100 s on every Linux architecture containerd runs on. */
  private static final long CLOCK_TICKS = 100;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final Set<String> NOT_CONTROLLERS =
      Set.of("rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "noprefix", "xattr");

  private static final Map<String, String> MEMORY_STAT_NAMES = Map.ofEntries(
      Map.entry("pgpgin", "pg_pg_in"), Map.entry("pgpgout", "pg_pg_out"),
      Map.entry("pgfault", "pg_fault"), Map.entry("pgmajfault", "pg_maj_fault"),
      Map.entry("hierarchical_memsw_limit", "hierarchical_swap_limit"),
      Map.entry("total_pgpgin", "total_pg_pg_in"), Map.entry("total_pgpgout", "total_pg_pg_out"),
      Map.entry("total_pgfault", "total_pg_fault"), Map.entry("total_pgmajfault", "total_pg_maj_fault"));
  private static final Map<String, String> THROTTLE_NAMES =
      Map.of("nr_periods", "periods", "nr_throttled", "throttled_periods");

  private final Map<String, Path> dirs;

  CgroupV1(Map<String, Path> dirs) {
    this.dirs = Map.copyOf(dirs);
  }

  /** The groups of a process (from /proc/PID/cgroup) under the hierarchies mounted here. */
  static CgroupV1 of(ProcCgroups proc, List<MountInfo> mounts) {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (Map.Entry<String, MountInfo> h : hierarchies(mounts).entrySet()) {
      String path = proc.v1().get(h.getKey());
      if (path != null) {
        dirs.put(h.getKey(), join(h.getValue(), path, true));
      }
    }
    return new CgroupV1(dirs);
  }

  /** The group at {@code path} (e.g. "/shim4j/c1") in every hierarchy, as containerd's StaticPath. */
  static CgroupV1 at(String path, List<MountInfo> mounts) {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (Map.Entry<String, MountInfo> h : hierarchies(mounts).entrySet()) {
      dirs.put(h.getKey(), join(h.getValue(), path, false));
    }
    return new CgroupV1(dirs);
  }

  /** Controller name ("memory", "cpuacct", "name=systemd") to the mount of its hierarchy. */
  static Map<String, MountInfo> hierarchies(List<MountInfo> mounts) {
    Map<String, MountInfo> result = new LinkedHashMap<>();
    for (MountInfo m : mounts) {
      if (!m.fsType().equals("cgroup")) {
        continue;
      }
      for (String option : m.superOptions().split(",")) {
        if (!option.isEmpty() && !NOT_CONTROLLERS.contains(option) && !option.startsWith("release_agent=")) {
          result.putIfAbsent(option, m); // the first (host) mount, not a later bind of it
        }
      }
    }
    return result;
  }

  /** /proc paths are relative to the hierarchy's root, which a mount may show only a part of. */
  private static Path join(MountInfo mount, String path, boolean fromProc) {
    String rel = path;
    if (fromProc && !mount.root().equals("/") && (rel.equals(mount.root()) || rel.startsWith(mount.root() + "/"))) {
      rel = rel.substring(mount.root().length());
    }
    rel = rel.replaceFirst("^/+", "");
    return rel.isEmpty() ? mount.mountPoint() : mount.mountPoint().resolve(rel);
  }

  /** The directory of {@code controller}, if that hierarchy is mounted. */
  public Optional<Path> dir(String controller) {
    return Optional.ofNullable(dirs.get(controller));
  }

  public Map<String, Path> dirs() {
    return dirs;
  }

  @Override
  public boolean exists() {
    return dirs.values().stream().anyMatch(Files::isDirectory);
  }

  @Override
  public void moveProcess(int pid) throws IOException {
    int moved = 0;
    for (Path dir : dirs.values()) {
      if (Files.isDirectory(dir)) {
        Files.writeString(dir.resolve("cgroup.procs"), Integer.toString(pid), StandardCharsets.US_ASCII);
        moved++;
      }
    }
    if (moved == 0) {
      throw new java.nio.file.NoSuchFileException("cgroup " + dirs.values() + " does not exist");
    }
  }

  @Override
  public List<Integer> pids() throws IOException {
    for (String c : List.of("pids", "memory", "cpu", "name=systemd")) {
      Path dir = dirs.get(c);
      if (dir != null && Files.isDirectory(dir)) {
        return CgroupV2.readPids(dir.resolve("cgroup.procs"));
      }
    }
    for (Path dir : dirs.values()) {
      if (Files.isDirectory(dir)) {
        return CgroupV2.readPids(dir.resolve("cgroup.procs"));
      }
    }
    throw new java.nio.file.NoSuchFileException("cgroup " + dirs.values() + " does not exist");
  }

  @Override
  public Metrics metrics() throws IOException {
    Metrics.Builder m = Metrics.newBuilder();
    Optional<Path> pids = existing("pids");
    if (pids.isPresent()) {
      m.setPids(PidsStat.newBuilder()
          .setCurrent(CgroupFiles.numberOrZero(pids.get().resolve("pids.current")))
          .setLimit(CgroupFiles.number(pids.get().resolve("pids.max"), 0).orElse(0)));
    }
    CPUStat cpu = cpu();
    if (cpu != null) {
      m.setCpu(cpu);
    }
    Optional<Path> memory = existing("memory");
    if (memory.isPresent()) {
      m.setMemory(memory(memory.get()));
      m.setMemoryOomControl(StatFields.fill(MemoryOomControl.newBuilder(),
          CgroupFiles.table(memory.get().resolve("memory.oom_control")), Map.of()));
    }
    Optional<Path> blkio = existing("blkio");
    if (blkio.isPresent()) {
      m.setBlkio(blkio(blkio.get()));
    }
    Optional<Path> hugetlb = existing("hugetlb");
    if (hugetlb.isPresent()) {
      m.addAllHugetlb(hugetlb(hugetlb.get()));
    }
    return m.build();
  }

  private Optional<Path> existing(String controller) {
    return dir(controller).filter(Files::isDirectory);
  }

  private CPUStat cpu() throws IOException {
    Optional<Path> acct = existing("cpuacct");
    Optional<Path> cpu = existing("cpu");
    if (acct.isEmpty() && cpu.isEmpty()) {
      return null;
    }
    CPUStat.Builder stat = CPUStat.newBuilder();
    if (acct.isPresent()) {
      Path d = acct.get();
      CPUUsage.Builder usage = CPUUsage.newBuilder().setTotal(CgroupFiles.numberOrZero(d.resolve("cpuacct.usage")));
      Map<String, Long> ticks = CgroupFiles.table(d.resolve("cpuacct.stat"));
      usage.setUser(ticks.getOrDefault("user", 0L) * (NANOS_PER_SECOND / CLOCK_TICKS));
      usage.setKernel(ticks.getOrDefault("system", 0L) * (NANOS_PER_SECOND / CLOCK_TICKS));
      Optional<String> perCpu = CgroupFiles.read(d.resolve("cpuacct.usage_percpu"));
      if (perCpu.isPresent()) {
        for (String v : perCpu.get().trim().split("\\s+")) {
          if (!v.isEmpty()) {
            usage.addPerCpu(CgroupFiles.parseUnsigned(v, d.resolve("cpuacct.usage_percpu")));
          }
        }
      }
      stat.setUsage(usage);
    }
    if (cpu.isPresent()) {
      stat.setThrottling(StatFields.fill(Throttle.newBuilder(),
          CgroupFiles.table(cpu.get().resolve("cpu.stat")), THROTTLE_NAMES));
    }
    return stat.build();
  }

  private static MemoryStat memory(Path d) throws IOException {
    MemoryStat.Builder stat = StatFields.fill(MemoryStat.newBuilder(),
        CgroupFiles.table(d.resolve("memory.stat")), MEMORY_STAT_NAMES);
    stat.setUsage(memoryEntry(d, "memory."));
    stat.setSwap(memoryEntry(d, "memory.memsw."));
    stat.setKernel(memoryEntry(d, "memory.kmem."));
    stat.setKernelTcp(memoryEntry(d, "memory.kmem.tcp."));
    return stat.build();
  }

  /** Swap and kmem accounting may be off: their files are missing and the entry stays zero. */
  private static MemoryEntry memoryEntry(Path d, String prefix) throws IOException {
    return MemoryEntry.newBuilder()
        .setUsage(CgroupFiles.numberOrZero(d.resolve(prefix + "usage_in_bytes")))
        .setMax(CgroupFiles.numberOrZero(d.resolve(prefix + "max_usage_in_bytes")))
        .setFailcnt(CgroupFiles.numberOrZero(d.resolve(prefix + "failcnt")))
        .setLimit(CgroupFiles.numberOrZero(d.resolve(prefix + "limit_in_bytes")))
        .build();
  }

  /**
   * The CFQ/BFQ files when the kernel has them, else the throttle files, as containerd chooses:
   * "blkio.io_serviced_recursive" empty or missing means the throttle policy is what counts.
   */
  private static BlkIOStat blkio(Path d) throws IOException {
    BlkIOStat.Builder stat = BlkIOStat.newBuilder();
    Map<Long, String> names = new java.util.HashMap<>();
    boolean cfq = CgroupFiles.read(d.resolve("blkio.io_serviced_recursive")).map(s -> !s.isBlank()).orElse(false);
    if (cfq) {
      stat.addAllIoServiceBytesRecursive(blkioEntries(d.resolve("blkio.io_service_bytes_recursive"), names));
      stat.addAllIoServicedRecursive(blkioEntries(d.resolve("blkio.io_serviced_recursive"), names));
      stat.addAllIoQueuedRecursive(blkioEntries(d.resolve("blkio.io_queued_recursive"), names));
      stat.addAllIoServiceTimeRecursive(blkioEntries(d.resolve("blkio.io_service_time_recursive"), names));
      stat.addAllIoWaitTimeRecursive(blkioEntries(d.resolve("blkio.io_wait_time_recursive"), names));
      stat.addAllIoMergedRecursive(blkioEntries(d.resolve("blkio.io_merged_recursive"), names));
      stat.addAllIoTimeRecursive(blkioEntries(d.resolve("blkio.time_recursive"), names));
      stat.addAllSectorsRecursive(blkioEntries(d.resolve("blkio.sectors_recursive"), names));
    } else {
      stat.addAllIoServiceBytesRecursive(blkioEntries(d.resolve("blkio.throttle.io_service_bytes_recursive"), names));
      stat.addAllIoServicedRecursive(blkioEntries(d.resolve("blkio.throttle.io_serviced_recursive"), names));
    }
    return stat.build();
  }

  /** Lines "8:0 Read 4096" (or "8:0 4096" for time/sectors); "Total N" lines are skipped. */
  static List<BlkIOEntry> blkioEntries(Path file, Map<Long, String> deviceNames) throws IOException {
    List<BlkIOEntry> entries = new ArrayList<>();
    Optional<String> text = CgroupFiles.read(file);
    if (text.isEmpty()) {
      return entries;
    }
    for (String line : text.get().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2 || f[0].equals("Total")) {
        continue;
      }
      String[] mm = f[0].split(":");
      if (mm.length != 2) {
        continue;
      }
      long major = Long.parseLong(mm[0]);
      long minor = Long.parseLong(mm[1]);
      BlkIOEntry.Builder e = BlkIOEntry.newBuilder().setMajor(major).setMinor(minor)
          .setDevice(deviceNames.computeIfAbsent(major << 32 | minor, k -> deviceName(major, minor)));
      if (f.length == 3) {
        e.setOp(f[1]).setValue(CgroupFiles.parseUnsigned(f[2], file));
      } else {
        e.setValue(CgroupFiles.parseUnsigned(f[1], file));
      }
      entries.add(e.build());
    }
    return entries;
  }

  /** "/dev/sda" for 8:0, from sysfs; "" when the kernel does not say. */
  static String deviceName(long major, long minor) {
    try {
      for (String line : Files.readAllLines(Path.of("/sys/dev/block/" + major + ":" + minor + "/uevent"))) {
        if (line.startsWith("DEVNAME=")) {
          return "/dev/" + line.substring("DEVNAME=".length());
        }
      }
    } catch (IOException ignored) {
      // Unknown device: the numbers still identify it.
    }
    return "";
  }

  private static List<HugetlbStat> hugetlb(Path d) throws IOException {
    List<HugetlbStat> stats = new ArrayList<>();
    for (String size : HugePages.sizes()) {
      String prefix = "hugetlb." + size + ".";
      if (!Files.exists(d.resolve(prefix + "usage_in_bytes"))) {
        continue;
      }
      stats.add(HugetlbStat.newBuilder().setPagesize(size)
          .setUsage(CgroupFiles.numberOrZero(d.resolve(prefix + "usage_in_bytes")))
          .setMax(CgroupFiles.numberOrZero(d.resolve(prefix + "max_usage_in_bytes")))
          .setFailcnt(CgroupFiles.numberOrZero(d.resolve(prefix + "failcnt")))
          .build());
    }
    return stats;
  }

  @Override
  public String toString() {
    return "cgroup v1 " + dirs;
  }
}
