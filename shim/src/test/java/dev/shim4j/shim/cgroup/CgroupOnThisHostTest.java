package dev.shim4j.shim.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.cgroups.v1.Metrics;
import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.shim.reaper.Stdio;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Against this machine's real cgroups (v1 hybrid; the tests run as root): child groups under the
 * v1 controllers and under the unified mount, a real process moved in, a real OOM kill.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CgroupOnThisHostTest {
  private static final Path V1 = Path.of("/sys/fs/cgroup");
  private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "blkio");

  private String path;
  private final List<Child> children = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();

  @BeforeEach
  void createGroups() throws IOException {
    path = "/shim4j-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    for (String c : CONTROLLERS) {
      dirs.add(Files.createDirectory(V1.resolve(c).resolve(path.substring(1))));
    }
  }

  @AfterEach
  void removeGroups() throws Exception {
    for (Child c : children) {
      try {
        Processes.kill(c.pid(), Signals.SIGKILL);
      } catch (IOException ignored) {
        // already gone
      }
      c.exit().get(10, TimeUnit.SECONDS);
    }
    for (Path d : dirs) {
      await(() -> {
        try {
          Files.deleteIfExists(d);
          return true;
        } catch (IOException e) {
          return false; // EBUSY while the killed process is still being torn down
        }
      });
    }
  }

  private Child spawn(String script) throws IOException {
    Child c = Reaper.get().spawn(Command.of("/bin/sh", "-c", script)
        .withStdio(Stdio.devNull(), Stdio.devNull(), Stdio.devNull()));
    children.add(c);
    return c;
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(20);
    }
  }

  private Path flagFile() {
    return Path.of(System.getProperty("java.io.tmpdir"), path.substring(1) + ".go");
  }

  @Test
  void processMovedInIsFoundAndMeasured() throws Exception {
    Files.writeString(V1.resolve("memory").resolve(path.substring(1)).resolve("memory.limit_in_bytes"), "67108864");
    Files.writeString(V1.resolve("pids").resolve(path.substring(1)).resolve("pids.max"), "50");
    Path flag = flagFile();
    Child child = spawn("while [ ! -e " + flag + " ]; do sleep 0.02; done; i=0; "
        + "while [ $i -lt 20000 ]; do i=$((i+1)); done; x=$(seq 1 20000); exec sleep 60");
    try {
      Cgroups.moveProcess(child.pid(), path);
      Files.writeString(flag, "");
      Cgroup found = Cgroups.ofProcess(child.pid());
      assertThat(found).isInstanceOf(CgroupV1.class);
      CgroupV1 g = (CgroupV1) found;
      for (String c : CONTROLLERS) {
        assertThat(g.dir(c)).contains(V1.resolve(c).resolve(path.substring(1)));
      }
      assertThat(g.pids()).contains(child.pid());
      await(() -> {
        try {
          Metrics m = g.metrics();
          return m.getCpu().getUsage().getTotal() > 0 && m.getMemory().getUsage().getUsage() > 0;
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      Metrics m = g.metrics();
      assertThat(m.getPids().getCurrent()).isBetween(1L, 5L);
      assertThat(m.getPids().getLimit()).isEqualTo(50);
      assertThat(m.getMemory().getUsage().getLimit()).isEqualTo(67108864);
      assertThat(m.getMemory().getUsage().getMax()).isGreaterThanOrEqualTo(m.getMemory().getUsage().getUsage());
      assertThat(m.getMemory().getHierarchicalMemoryLimit()).isEqualTo(67108864);
      assertThat(m.getMemory().getTotalRss() + m.getMemory().getTotalCache()).isPositive();
      assertThat(m.getCpu().getUsage().getPerCpuCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(m.getCpu().hasThrottling()).isTrue();
      assertThat(m.getMemoryOomControl().getOomKillDisable()).isZero();
      assertThat(m.hasBlkio()).isTrue();
    } finally {
      Files.deleteIfExists(flag);
    }
  }

  @Test
  void oomKillIsReportedWithTheContainerId() throws Exception {
    Path memory = V1.resolve("memory").resolve(path.substring(1));
    Files.writeString(memory.resolve("memory.limit_in_bytes"), String.valueOf(16 << 20));
    List<String> reported = new CopyOnWriteArrayList<>();
    CountDownLatch oom = new CountDownLatch(1);
    Path flag = flagFile();
    try (OomWatcher watcher = new OomWatcher(id -> {
      reported.add(id);
      oom.countDown();
    })) {
      watcher.watch("c-oom", Cgroups.at(path));
      // tail keeps its whole "last line" in memory: 200 MB of NULs without a newline.
      Child hog = spawn("while [ ! -e " + flag + " ]; do sleep 0.02; done; head -c 200000000 /dev/zero | tail");
      Cgroups.moveProcess(hog.pid(), path);
      Files.writeString(flag, "");
      assertThat(oom.await(30, TimeUnit.SECONDS)).as("OOM reported").isTrue();
      assertThat(reported).first().isEqualTo("c-oom");
      // The eventfd fires as the OOM starts; the kill is counted a moment later.
      Cgroup g = Cgroups.at(path);
      await(() -> {
        try {
          return ((Metrics) g.metrics()).getMemoryOomControl().getOomKill() > 0;
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      Metrics m = (Metrics) g.metrics();
      assertThat(m.getMemory().getUsage().getFailcnt()).isPositive();
    } finally {
      Files.deleteIfExists(flag);
    }
  }

  @Test
  void removingTheCgroupIsNotAnOom() throws Exception {
    List<String> reported = new CopyOnWriteArrayList<>();
    try (OomWatcher watcher = new OomWatcher(reported::add)) {
      watcher.watch("c-gone", Cgroups.at(path));
      Files.delete(V1.resolve("memory").resolve(path.substring(1)));
      Thread.sleep(1500);
      assertThat(reported).isEmpty();
      watcher.unwatch("c-gone"); // harmless after the watch ended by itself
    }
  }

  @Test
  void unifiedChildGroupIsMeasuredAsV2() throws Exception {
    Path unified = Files.createDirectory(V1.resolve("unified").resolve(path.substring(1)));
    dirs.add(unified);
    Path flag = flagFile();
    Child child = spawn("while [ ! -e " + flag + " ]; do sleep 0.02; done; i=0; "
        + "while [ $i -lt 50000 ]; do i=$((i+1)); done; exec sleep 60");
    try {
      CgroupV2 g = new CgroupV2(unified);
      g.moveProcess(child.pid());
      Files.writeString(flag, "");
      assertThat(ProcCgroups.of(child.pid()).unified()).isEqualTo(path);
      // A `sleep 0.02` the loop forked after the move is in the group too until it ends; no new
      // one comes once the loop has seen the flag.
      await(() -> {
        try {
          return g.pids().size() == 1;
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      assertThat(g.pids()).containsExactly(child.pid());
      await(() -> {
        try {
          return g.metrics().getCpu().getUsageUsec() > 0;
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      var m = g.metrics();
      assertThat(m.getCpu().getUserUsec() + m.getCpu().getSystemUsec()).isPositive();
      assertThat(m.getCpu().hasPsi()).isTrue();
      assertThat(m.hasMemory()).isFalse(); // no memory controller on the unified mount here
    } finally {
      Files.deleteIfExists(flag);
    }
  }

  @Test
  void v2WatcherReportsGrowingOomKillCount(@org.junit.jupiter.api.io.TempDir Path fake) throws Exception {
    Path events = Files.writeString(fake.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n");
    List<String> reported = new CopyOnWriteArrayList<>();
    try (OomWatcher watcher = new OomWatcher(reported::add)) {
      watcher.watch("c2", new CgroupV2(fake));
      Files.writeString(events, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"); // no new kill
      Thread.sleep(700);
      assertThat(reported).isEmpty();
      Files.writeString(events, "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
      await(() -> reported.size() == 1);
      watcher.unwatch("c2");
      Files.writeString(events, "low 0\nhigh 0\nmax 3\noom 3\noom_kill 3\n");
      Thread.sleep(700);
      assertThat(reported).containsExactly("c2");
    }
  }
}
