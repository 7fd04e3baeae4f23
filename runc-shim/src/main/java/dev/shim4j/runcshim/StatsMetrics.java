package dev.shim4j.runcshim;

import com.google.protobuf.Message;
import dev.shim4j.api.cgroups.v1.CPUStat;
import dev.shim4j.api.cgroups.v1.CPUUsage;
import dev.shim4j.api.cgroups.v1.MemoryEntry;
import dev.shim4j.api.cgroups.v1.MemoryStat;
import dev.shim4j.api.cgroups.v1.Metrics;
import dev.shim4j.api.cgroups.v1.PidsStat;
import dev.shim4j.api.cgroups.v1.Throttle;
import dev.shim4j.runc.RuncStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns a {@code runc events --stats} sample into the metrics message containerd expects from
 * Stats: {@code io.containerd.cgroups.v1.Metrics} on a cgroup v1 host,
 * {@code io.containerd.cgroups.v2.Metrics} on a unified (v2) host.
 */
final class StatsMetrics {
  private StatsMetrics() {}

  static boolean unifiedHost() {
    return Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
  }

  static Message of(RuncStats s) {
    return unifiedHost() ? v2(s) : v1(s);
  }

  static Metrics v1(RuncStats s) {
    Map<String, Long> raw = s.memory().raw();
    MemoryStat.Builder mem = MemoryStat.newBuilder()
        .setCache(raw.getOrDefault("cache", s.memory().cache()))
        .setRss(raw.getOrDefault("rss", 0L))
        .setRssHuge(raw.getOrDefault("rss_huge", 0L))
        .setMappedFile(raw.getOrDefault("mapped_file", 0L))
        .setDirty(raw.getOrDefault("dirty", 0L))
        .setWriteback(raw.getOrDefault("writeback", 0L))
        .setPgPgIn(raw.getOrDefault("pgpgin", 0L))
        .setPgPgOut(raw.getOrDefault("pgpgout", 0L))
        .setPgFault(raw.getOrDefault("pgfault", 0L))
        .setPgMajFault(raw.getOrDefault("pgmajfault", 0L))
        .setInactiveAnon(raw.getOrDefault("inactive_anon", 0L))
        .setActiveAnon(raw.getOrDefault("active_anon", 0L))
        .setInactiveFile(raw.getOrDefault("inactive_file", 0L))
        .setActiveFile(raw.getOrDefault("active_file", 0L))
        .setUnevictable(raw.getOrDefault("unevictable", 0L))
        .setHierarchicalMemoryLimit(raw.getOrDefault("hierarchical_memory_limit", 0L))
        .setHierarchicalSwapLimit(raw.getOrDefault("hierarchical_memsw_limit", 0L))
        .setTotalCache(raw.getOrDefault("total_cache", 0L))
        .setTotalRss(raw.getOrDefault("total_rss", 0L))
        .setTotalRssHuge(raw.getOrDefault("total_rss_huge", 0L))
        .setTotalMappedFile(raw.getOrDefault("total_mapped_file", 0L))
        .setTotalDirty(raw.getOrDefault("total_dirty", 0L))
        .setTotalWriteback(raw.getOrDefault("total_writeback", 0L))
        .setTotalPgPgIn(raw.getOrDefault("total_pgpgin", 0L))
        .setTotalPgPgOut(raw.getOrDefault("total_pgpgout", 0L))
        .setTotalPgFault(raw.getOrDefault("total_pgfault", 0L))
        .setTotalPgMajFault(raw.getOrDefault("total_pgmajfault", 0L))
        .setTotalInactiveAnon(raw.getOrDefault("total_inactive_anon", 0L))
        .setTotalActiveAnon(raw.getOrDefault("total_active_anon", 0L))
        .setTotalInactiveFile(raw.getOrDefault("total_inactive_file", 0L))
        .setTotalActiveFile(raw.getOrDefault("total_active_file", 0L))
        .setTotalUnevictable(raw.getOrDefault("total_unevictable", 0L))
        .setUsage(entry(s.memory().usage()))
        .setSwap(entry(s.memory().swap()))
        .setKernel(entry(s.memory().kernel()))
        .setKernelTcp(entry(s.memory().kernelTcp()));
    RuncStats.Cpu c = s.cpu();
    CPUStat cpu = CPUStat.newBuilder()
        .setUsage(CPUUsage.newBuilder()
            .setTotal(c.total())
            .setKernel(c.kernel())
            .setUser(c.user())
            .addAllPerCpu(c.perCpu()))
        .setThrottling(Throttle.newBuilder()
            .setPeriods(c.throttlingPeriods())
            .setThrottledPeriods(c.throttledPeriods())
            .setThrottledTime(c.throttledTime()))
        .build();
    return Metrics.newBuilder()
        .setPids(PidsStat.newBuilder().setCurrent(s.pids().current()).setLimit(s.pids().limit()))
        .setCpu(cpu)
        .setMemory(mem)
        .build();
  }

  private static MemoryEntry entry(RuncStats.MemoryEntry e) {
    return MemoryEntry.newBuilder()
        .setLimit(e.limit())
        .setUsage(e.usage())
        .setMax(e.max())
        .setFailcnt(e.failcnt())
        .build();
  }

  static dev.shim4j.api.cgroups.v2.Metrics v2(RuncStats s) {
    RuncStats.Cpu c = s.cpu();
    // runc reports nanoseconds; cgroup v2 metrics count microseconds.
    dev.shim4j.api.cgroups.v2.CPUStat cpu = dev.shim4j.api.cgroups.v2.CPUStat.newBuilder()
        .setUsageUsec(c.total() / 1000)
        .setUserUsec(c.user() / 1000)
        .setSystemUsec(c.kernel() / 1000)
        .setNrPeriods(c.throttlingPeriods())
        .setNrThrottled(c.throttledPeriods())
        .setThrottledUsec(c.throttledTime() / 1000)
        .build();
    Map<String, Long> raw = s.memory().raw();
    dev.shim4j.api.cgroups.v2.MemoryStat mem = dev.shim4j.api.cgroups.v2.MemoryStat.newBuilder()
        .setUsage(s.memory().usage().usage())
        .setUsageLimit(s.memory().usage().limit())
        .setSwapUsage(s.memory().swap().usage())
        .setSwapLimit(s.memory().swap().limit())
        .setAnon(raw.getOrDefault("anon", 0L))
        .setFile(raw.getOrDefault("file", 0L))
        .build();
    return dev.shim4j.api.cgroups.v2.Metrics.newBuilder()
        .setPids(dev.shim4j.api.cgroups.v2.PidsStat.newBuilder()
            .setCurrent(s.pids().current()).setLimit(s.pids().limit()))
        .setCpu(cpu)
        .setMemory(mem)
        .build();
  }
}
