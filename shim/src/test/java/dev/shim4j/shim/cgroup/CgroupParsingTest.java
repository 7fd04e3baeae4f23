package dev.shim4j.shim.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.cgroups.v2.Metrics;
import dev.shim4j.sys.MountInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupParsingTest {
  /**
   * StatFields finds fields by their generated setters instead of descriptors: for every uint64
   * field of every metrics message the setter it names must exist, and no setter it can reach may
   * belong to a field of another type.
   */
  @Test
  void statFieldsSetterNamesAreProtobufsForEveryMetricsField() throws Exception {
    int checked = 0;
    for (com.google.protobuf.Descriptors.FileDescriptor file : java.util.List.of(
        dev.shim4j.api.cgroups.v1.CgroupsV1MetricsProto.getDescriptor(),
        dev.shim4j.api.cgroups.v2.CgroupsV2MetricsProto.getDescriptor())) {
      String javaPackage = file.getOptions().getJavaPackage();
      for (com.google.protobuf.Descriptors.Descriptor message : file.getMessageTypes()) {
        Class<?> builder = Class.forName(javaPackage + "." + message.getName() + "$Builder");
        java.util.Set<String> longSetters = new java.util.HashSet<>();
        for (java.lang.reflect.Method m : builder.getMethods()) {
          if (m.getName().startsWith("set") && m.getParameterCount() == 1
              && m.getParameterTypes()[0] == long.class) {
            longSetters.add(m.getName());
          }
        }
        for (com.google.protobuf.Descriptors.FieldDescriptor f : message.getFields()) {
          String setter = StatFields.setterName(f.getName());
          boolean uint64 = !f.isRepeated()
              && f.getType() == com.google.protobuf.Descriptors.FieldDescriptor.Type.UINT64;
          assertThat(longSetters.contains(setter)).as(message.getName() + "." + f.getName() + " -> " + setter)
              .isEqualTo(uint64);
          if (uint64) {
            longSetters.remove(setter);
            checked++;
          }
        }
        assertThat(longSetters).as("one-long setters of " + message.getName() + " without a uint64 field")
            .isEmpty();
      }
    }
    assertThat(checked).isGreaterThan(100);
    assertThat(StatFields.setterName("hugetlb_2mb_x")).isEqualTo("setHugetlb2MbX");
  }

  @TempDir Path dir;

  private static final String HYBRID = """
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
      35 31 0:32 /kubepods /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;

  @Test
  void modeFollowsWhatIsMounted() throws Exception {
    assertThat(CgroupMode.detect(MountInfo.parse(HYBRID))).isEqualTo(CgroupMode.HYBRID);
    assertThat(CgroupMode.detect(MountInfo.parse(
        "31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"))).isEqualTo(CgroupMode.UNIFIED);
    assertThat(CgroupMode.detect(MountInfo.parse(HYBRID.lines().filter(l -> !l.contains("unified"))
        .reduce("", (a, b) -> a + b + "\n")))).isEqualTo(CgroupMode.LEGACY);
    // This test machine: v1 controllers plus the unified mount.
    assertThat(CgroupMode.detect()).isEqualTo(CgroupMode.HYBRID);
    assertThat(CgroupMode.HYBRID.usesV1Controllers()).isTrue();
  }

  @Test
  void procCgroupSplitsSharedHierarchies() {
    ProcCgroups p = ProcCgroups.parse("12:cpu,cpuacct:/a/b\n4:memory:/kubepods/c1\n1:name=systemd:/x\n0::/u\n");
    assertThat(p.v1()).containsEntry("cpu", "/a/b").containsEntry("cpuacct", "/a/b")
        .containsEntry("memory", "/kubepods/c1").containsEntry("name=systemd", "/x");
    assertThat(p.unified()).isEqualTo("/u");
    assertThatThrownBy(() -> ProcCgroups.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void v1DirectoriesHonourTheMountRoot() {
    List<MountInfo> mounts = MountInfo.parse(HYBRID);
    CgroupV1 g = CgroupV1.of(ProcCgroups.parse("3:cpu,cpuacct:/c1\n2:memory:/kubepods/pod/c1\n"), mounts);
    assertThat(g.dir("cpu")).contains(Path.of("/sys/fs/cgroup/cpu,cpuacct/c1"));
    assertThat(g.dir("cpuacct")).contains(Path.of("/sys/fs/cgroup/cpu,cpuacct/c1"));
    assertThat(g.dir("memory")).contains(Path.of("/sys/fs/cgroup/memory/pod/c1"));
    assertThat(CgroupV1.at("/shim", mounts).dir("name=systemd")).contains(Path.of("/sys/fs/cgroup/systemd/shim"));
    assertThatThrownBy(() -> Cgroups.join(Path.of("/sys/fs/cgroup"), "/../../etc"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hugePageNames() {
    assertThat(HugePages.name(2048)).isEqualTo("2MB");
    assertThat(HugePages.name(1048576)).isEqualTo("1GB");
    assertThat(HugePages.name(64)).isEqualTo("64KB");
  }

  @Test
  void v2MetricsFromTheFiles() throws Exception {
    Files.writeString(dir.resolve("pids.current"), "3\n");
    Files.writeString(dir.resolve("pids.max"), "max\n");
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\n"
        + "nr_throttled 2\nthrottled_usec 7\nnr_bursts 0\nburst_usec 0\n");
    Files.writeString(dir.resolve("cpu.pressure"), "some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=99\n");
    Files.writeString(dir.resolve("memory.current"), "8192\n");
    Files.writeString(dir.resolve("memory.max"), "1048576\n");
    Files.writeString(dir.resolve("memory.swap.max"), "max\n");
    Files.writeString(dir.resolve("memory.stat"), "anon 4096\nfile 2048\npgfault 11\nunknown_key 5\n");
    Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\n");
    Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    Metrics m = new CgroupV2(dir).metrics();
    assertThat(m.getPids().getCurrent()).isEqualTo(3);
    assertThat(m.getPids().getLimit()).isEqualTo(-1L); // uint64 max
    assertThat(m.getCpu().getUsageUsec()).isEqualTo(100);
    assertThat(m.getCpu().getNrThrottled()).isEqualTo(2);
    assertThat(m.getCpu().getThrottledUsec()).isEqualTo(7);
    assertThat(m.getCpu().getPsi().getSome().getAvg10()).isEqualTo(1.5);
    assertThat(m.getCpu().getPsi().getFull().getTotal()).isEqualTo(99);
    assertThat(m.getMemory().getUsage()).isEqualTo(8192);
    assertThat(m.getMemory().getUsageLimit()).isEqualTo(1048576);
    assertThat(m.getMemory().getSwapLimit()).isEqualTo(-1L);
    assertThat(m.getMemory().getAnon()).isEqualTo(4096);
    assertThat(m.getMemory().getFile()).isEqualTo(2048);
    assertThat(m.getMemory().getPgfault()).isEqualTo(11);
    assertThat(m.getMemoryEvents().getOomKill()).isEqualTo(4);
    assertThat(m.getMemoryEvents().getHigh()).isEqualTo(1);
    assertThat(m.getIo().getUsageList()).singleElement().satisfies(e -> {
      assertThat(e.getMajor()).isEqualTo(8);
      assertThat(e.getRbytes()).isEqualTo(10);
      assertThat(e.getWios()).isEqualTo(2);
    });
  }

  @Test
  void v1BlkioLines() throws Exception {
    Path f = Files.writeString(dir.resolve("blkio.throttle.io_service_bytes_recursive"),
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n");
    var entries = CgroupV1.blkioEntries(f, new java.util.HashMap<>());
    assertThat(entries).hasSize(3);
    assertThat(entries.get(1).getOp()).isEqualTo("Write");
    assertThat(entries.get(1).getValue()).isEqualTo(8192);
    assertThat(entries.get(0).getMajor()).isEqualTo(8);
  }
}
