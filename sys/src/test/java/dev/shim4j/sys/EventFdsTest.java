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

  /**
   * Virtual threads waiting on eventfds park instead of blocking their carriers in poll(2): far
   * more waiters than carriers all wait at once, and each wakes for its own counter.
   */
  @Test
  void virtualThreadsParkWhileWaitingForCounters() throws Exception {
    int waiters = 4 * Runtime.getRuntime().availableProcessors() + 8;
    int[] fds = new int[waiters];
    java.util.List<java.util.concurrent.CompletableFuture<java.util.OptionalLong>> results =
        new java.util.ArrayList<>();
    java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(waiters);
    try {
      for (int i = 0; i < waiters; i++) {
        fds[i] = EventFds.create(0);
        int fd = fds[i];
        var result = new java.util.concurrent.CompletableFuture<java.util.OptionalLong>();
        results.add(result);
        Thread.ofVirtual().start(() -> {
          try {
            waiting.countDown();
            result.complete(EventFds.read(fd, Duration.ofSeconds(30)));
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
      }
      assertThat(waiting.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("all waiters started").isTrue();
      // A timed-out wait on a virtual thread reports no value, as on a platform thread.
      var idle = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return EventFds.read(fds[0], Duration.ofMillis(50));
        } catch (SysException e) {
          throw new IllegalStateException(e);
        }
      }, r -> Thread.ofVirtual().start(r));
      assertThat(idle.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
      for (int i = waiters - 1; i > 0; i--) {
        EventFds.write(fds[i], i);
      }
      for (int i = 1; i < waiters; i++) {
        assertThat(results.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS)).hasValue(i);
      }
      assertThat(results.get(0)).isNotDone();
      EventFds.write(fds[0], 7);
      assertThat(results.get(0).get(10, java.util.concurrent.TimeUnit.SECONDS)).hasValue(7);
    } finally {
      for (int fd : fds) {
        Fds.closeQuietly(fd);
      }
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
