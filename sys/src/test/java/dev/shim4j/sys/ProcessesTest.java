package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {
  @TempDir Path tmp;

  @Test
  void chdirMovesTheProcessWorkingDirectory() throws Exception {
    Path before = Files.readSymbolicLink(Path.of("/proc/self/cwd"));
    try {
      Processes.chdir(tmp);

      assertThat(Files.readSymbolicLink(Path.of("/proc/self/cwd"))).isEqualTo(tmp.toRealPath());
    } finally {
      Processes.chdir(before);
    }
    assertThatThrownBy(() -> Processes.chdir(tmp.resolve("missing")))
        .isInstanceOf(SysException.class).hasMessageContaining("chdir");
  }

  /**
   * What ps and /proc/PID/cmdline show (written over the old line where the VM withholds
   * CAP_SYS_RESOURCE, as this one does; then the rest of the old line reads as NULs). The test
   * JVM gets its own line back afterwards.
   */
  @Test
  void setCommandLineChangesWhatProcShows() throws Exception {
    Path cmdline = Path.of("/proc/self/cmdline");
    byte[] before = Files.readAllBytes(cmdline);
    String original = new String(before, StandardCharsets.UTF_8);
    try {
      assertThat(Processes.setCommandLine(List.of("containerd-shim-test", "-id", "c1 ü", "start"))).isTrue();

      assertThat(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8))
          .startsWith("containerd-shim-test\0-id\0c1 ü\0start\0")
          .matches("(?s)[^\0]+\0-id\0c1 ü\0start\0+");
      assertThat(ProcessHandle.current().info().arguments().orElseThrow()).startsWith("-id", "c1 ü", "start");
    } finally {
      Processes.setCommandLine(List.of(original.substring(0, original.length() - 1).split("\0", -1)));
    }
    assertThat(Files.readAllBytes(cmdline)).isEqualTo(before);
    assertThat(Processes.setCommandLine(List.of("x".repeat(before.length + 4096)))).isFalse();
    assertThat(Files.readAllBytes(cmdline)).isEqualTo(before);
  }

  @Test
  void setNiceChangesOneThread() throws Exception {
    CompletableFuture<Integer> tid = new CompletableFuture<>();
    CountDownLatch done = new CountDownLatch(1);
    Thread thread = Thread.ofPlatform().start(() -> {
      try {
        tid.complete(Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self"))
            .getFileName().toString()));
        done.await();
      } catch (Exception e) {
        tid.completeExceptionally(e);
      }
    });
    try {
      Processes.setNice(tid.get(), 7);

      assertThat(niceOf(tid.get())).isEqualTo(7);
      assertThat(niceOf(Processes.getpid())).isNotEqualTo(7);
    } finally {
      done.countDown();
      thread.join();
    }
  }

  /** Field 19 of /proc/self/task/TID/stat, counted after the command name's closing parenthesis. */
  private static int niceOf(int tid) throws Exception {
    String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[16]);
  }
}
