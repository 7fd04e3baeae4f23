package dev.shim4j.shim.cgroup;

import dev.shim4j.api.cgroups.v2.CPUStat;
import dev.shim4j.api.cgroups.v2.HugeTlbStat;
import dev.shim4j.api.cgroups.v2.IOEntry;
import dev.shim4j.api.cgroups.v2.IOStat;
import dev.shim4j.api.cgroups.v2.MemoryEvents;
import dev.shim4j.api.cgroups.v2.MemoryStat;
import dev.shim4j.api.cgroups.v2.Metrics;
import dev.shim4j.api.cgroups.v2.PSIData;
import dev.shim4j.api.cgroups.v2.PSIStats;
import dev.shim4j.api.cgroups.v2.PidsStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cgroup v2 group: one directory. Metrics follow containerd's cgroups v2 package: "max" limits
 * read as the largest uint64, missing controllers are left out.
 */
public final class CgroupV2 implements Cgroup {
  private final Path dir;

  public CgroupV2(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public boolean exists() {
    return Files.isDirectory(dir);
  }

  @Override
  public void moveProcess(int pid) throws IOException {
    Files.writeString(dir.resolve("cgroup.procs"), Integer.toString(pid), StandardCharsets.US_ASCII);
  }

  @Override
  public List<Integer> pids() throws IOException {
    return readPids(dir.resolve("cgroup.procs"));
  }

  static List<Integer> readPids(Path procs) throws IOException {
    List<Integer> pids = new ArrayList<>();
    for (String line : Files.readAllLines(procs)) {
      if (!line.isBlank()) {
        pids.add(Integer.parseInt(line.trim()));
      }
    }
    return pids;
  }

  @Override
  public Metrics metrics() throws IOException {
    if (!exists()) {
      throw new java.nio.file.NoSuchFileException(dir + " (cgroup removed)");
    }
    Metrics.Builder m = Metrics.newBuilder();
    if (Files.exists(dir.resolve("pids.current"))) {
      m.setPids(PidsStat.newBuilder()
          .setCurrent(CgroupFiles.numberOrZero(dir.resolve("pids.current")))
          .setLimit(CgroupFiles.number(dir.resolve("pids.max"), CgroupFiles.MAX_V2).orElse(0)));
    }
    Map<String, Long> cpuStat = CgroupFiles.table(dir.resolve("cpu.stat"));
    if (!cpuStat.isEmpty()) {
      CPUStat.Builder cpu = StatFields.fill(CPUStat.newBuilder(), cpuStat, Map.of());
      psi(dir.resolve("cpu.pressure")).ifPresent(cpu::setPsi);
      m.setCpu(cpu);
    }
    if (Files.exists(dir.resolve("memory.current"))) {
      MemoryStat.Builder mem = StatFields.fill(MemoryStat.newBuilder(),
          CgroupFiles.table(dir.resolve("memory.stat")), Map.of());
      mem.setUsage(CgroupFiles.numberOrZero(dir.resolve("memory.current")))
          .setUsageLimit(CgroupFiles.number(dir.resolve("memory.max"), CgroupFiles.MAX_V2).orElse(0))
          .setSwapUsage(CgroupFiles.numberOrZero(dir.resolve("memory.swap.current")))
          .setSwapLimit(CgroupFiles.number(dir.resolve("memory.swap.max"), CgroupFiles.MAX_V2).orElse(0))
          .setMaxUsage(CgroupFiles.numberOrZero(dir.resolve("memory.peak")))
          .setSwapMaxUsage(CgroupFiles.numberOrZero(dir.resolve("memory.swap.peak")));
      psi(dir.resolve("memory.pressure")).ifPresent(mem::setPsi);
      m.setMemory(mem);
    }
    Map<String, Long> events = CgroupFiles.table(dir.resolve("memory.events"));
    if (!events.isEmpty()) {
      m.setMemoryEvents(StatFields.fill(MemoryEvents.newBuilder(), events, Map.of()));
    }
    Optional<String> ioStat = CgroupFiles.read(dir.resolve("io.stat"));
    Optional<PSIStats> ioPsi = psi(dir.resolve("io.pressure"));
    if (ioStat.isPresent() || ioPsi.isPresent()) {
      IOStat.Builder io = IOStat.newBuilder();
      ioStat.ifPresent(text -> io.addAllUsage(ioEntries(text)));
      ioPsi.ifPresent(io::setPsi);
      m.setIo(io);
    }
    for (String size : HugePages.sizes()) {
      String prefix = "hugetlb." + size + ".";
      if (Files.exists(dir.resolve(prefix + "current"))) {
        m.addHugetlb(HugeTlbStat.newBuilder().setPagesize(size)
            .setCurrent(CgroupFiles.numberOrZero(dir.resolve(prefix + "current")))
            .setMax(CgroupFiles.number(dir.resolve(prefix + "max"), CgroupFiles.MAX_V2).orElse(0))
            .setFailcnt(CgroupFiles.table(dir.resolve(prefix + "events")).getOrDefault("max", 0L)));
      }
    }
    return m.build();
  }

  /** Lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
  static List<IOEntry> ioEntries(String text) {
    List<IOEntry> entries = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      String[] mm = f[0].split(":");
      if (mm.length != 2) {
        continue;
      }
      IOEntry.Builder e = IOEntry.newBuilder().setMajor(Long.parseLong(mm[0])).setMinor(Long.parseLong(mm[1]));
      for (int i = 1; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        long v = Long.parseUnsignedLong(f[i].substring(eq + 1));
        switch (f[i].substring(0, eq)) {
          case "rbytes" -> e.setRbytes(v);
          case "wbytes" -> e.setWbytes(v);
          case "rios" -> e.setRios(v);
          case "wios" -> e.setWios(v);
          default -> { } // dbytes/dios: containerd has no field for them
        }
      }
      entries.add(e.build());
    }
    return entries;
  }

  /** "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line. */
  static Optional<PSIStats> psi(Path file) throws IOException {
    Optional<String> text = CgroupFiles.read(file);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    PSIStats.Builder stats = PSIStats.newBuilder();
    for (String line : text.get().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      PSIData.Builder data = PSIData.newBuilder();
      for (int i = 1; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String v = f[i].substring(eq + 1);
        switch (f[i].substring(0, eq)) {
          case "avg10" -> data.setAvg10(Double.parseDouble(v));
          case "avg60" -> data.setAvg60(Double.parseDouble(v));
          case "avg300" -> data.setAvg300(Double.parseDouble(v));
          case "total" -> data.setTotal(Long.parseUnsignedLong(v));
          default -> { }
        }
      }
      if (f[0].equals("some")) {
        stats.setSome(data);
      } else if (f[0].equals("full")) {
        stats.setFull(data);
      }
    }
    return Optional.of(stats.build());
  }

  @Override
  public String toString() {
    return "cgroup v2 " + dir;
  }
}
