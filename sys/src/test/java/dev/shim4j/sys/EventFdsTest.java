package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFdsTest {
  @TempDir Path tmp;

  @Test
  void counterAddsUpAndResetsOnRead() throws Exception {
    int fd = EventFds.create(0);
    try {
      assertThat(Fds.isCloexec(fd)).isTrue();
      assertThat(EventFds.read(fd, Duration.ofMillis(10))).isEmpty();
      EventFds.write(fd, 2);
      EventFds.write(fd, 3);
      assertThat(EventFds.read(fd, Duration.ofSeconds(1))).hasValue(5);
      assertThat(EventFds.read(fd, Duration.ofMillis(10))).isEmpty();
    } finally {
      Fds.close(fd);
    }
  }

  @Test
  void oomRegistrationWritesBothDescriptors() throws Exception {
    Files.writeString(tmp.resolve("memory.oom_control"), "oom_kill_disable 0\n");
    Files.writeString(tmp.resolve("cgroup.event_control"), "");
    int efd = EventFds.registerCgroupV1Oom(tmp);
    try {
      String[] written = Files.readString(tmp.resolve("cgroup.event_control")).split(" ");
      assertThat(Integer.parseInt(written[0])).isEqualTo(efd);
      assertThat(Integer.parseInt(written[1])).isNotEqualTo(efd).isNotNegative();
      assertThat(Fds.isOpen(Integer.parseInt(written[1]))).as("oom_control fd closed again").isFalse();
    } finally {
      Fds.close(efd);
    }
  }

  /** A real cgroup v1 memory OOM, where this kernel has the v1 memory controller. */
  @Test
  void cgroupV1OomIsNotifiedThroughTheEventfd() throws Exception {
    Path memoryRoot = Path.of("/sys/fs/cgroup/memory");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(memoryRoot.resolve("cgroup.event_control")),
        "cgroup v1 memory controller mounted");
    String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
        .filter(l -> l.matches("\\d+:[^:]*\\bmemory\\b[^:]*:.*")).map(l -> l.substring(l.lastIndexOf(':') + 1))
        .findFirst().orElse("/");
    Path cgroup = memoryRoot.resolve(own.substring(1)).resolve("shim4j-oom-" + UUID.randomUUID());
    Files.createDirectory(cgroup);
    int efd = -1;
    try {
      Files.writeString(cgroup.resolve("memory.limit_in_bytes"), "16777216");
      Path memsw = cgroup.resolve("memory.memsw.limit_in_bytes");
      if (Files.exists(memsw)) { // only with swap accounting; keeps the child from swapping
        Files.writeString(memsw, "16777216");
      }
      efd = EventFds.registerCgroupV1Oom(cgroup);
      // joins the cgroup, then tail buffers 200 MB in memory: the OOM killer ends it
      int pid = Spawn.of("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
              + " && exec sh -c 'head -c 209715200 /dev/zero | tail -c 209715200 >/dev/null'")
          .devNull(0).devNull(1).devNull(2).start();
      var oom = EventFds.read(efd, Duration.ofSeconds(30));
      WaitStatus status = Processes.waitpid(pid, 0).orElseThrow();
      assertThat(oom).as("oom notification, child " + status).isPresent();
      assertThat(oom.getAsLong()).isPositive();
    } finally {
      Fds.closeQuietly(efd);
      removeCgroup(cgroup);
    }
  }

  private static void removeCgroup(Path cgroup) throws Exception {
    for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
      try {
        Files.delete(cgroup);
      } catch (java.io.IOException e) {
        Thread.sleep(100); // processes still leaving
      }
    }
    assertThat(Files.exists(cgroup)).as("test cgroup removed").isFalse();
  }
}
