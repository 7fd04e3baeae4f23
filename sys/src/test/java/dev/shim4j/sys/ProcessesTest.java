package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
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
