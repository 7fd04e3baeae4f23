package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpawnTest {
  @TempDir Path tmp;

  private static WaitStatus reap(int pid) throws SysException {
    return Processes.waitpid(pid, 0).orElseThrow();
  }

  private static String readAll(int fd) throws IOException {
    try (InputStream in = new FdInputStream(fd)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Spawns /bin/sh -c script with stdout (and stderr) into a pipe; returns pid and output. */
  private static String run(Spawn spawn) throws IOException {
    try (Fds.Pipe pipe = Fds.pipe()) {
      int pid = spawn.fd(1, pipe.writeFd()).fd(2, pipe.writeFd()).start();
      Fds.close(pipe.writeFd());
      String out = readAll(Fds.dup(pipe.readFd()));
      WaitStatus status = reap(pid);
      assertThat(status.exited()).as(status.toString()).isTrue();
      return out;
    }
  }

  @Test
  void spawnsTrueAndReapsIt() throws Exception {
    int pid = Spawn.of("/bin/true").start();
    WaitStatus status = reap(pid);
    assertThat(status.pid()).isEqualTo(pid);
    assertThat(status.exited()).isTrue();
    assertThat(status.exitCode()).isZero();
    assertThat(status.shellStatus()).isZero();
  }

  @Test
  void exitCodeIsDecoded() throws Exception {
    WaitStatus status = reap(Spawn.of("sh", "-c", "exit 42").start());
    assertThat(status.exited()).isTrue();
    assertThat(status.exitCode()).isEqualTo(42);
  }

  @Test
  void stdoutGoesIntoAPipe() throws Exception {
    assertThat(run(Spawn.of("echo", "hello", "world"))).isEqualTo("hello world\n");
  }

  @Test
  void environmentAndWorkingDirectoryAreApplied() throws Exception {
    String out = run(Spawn.of("/bin/sh", "-c", "echo $FOO; pwd").env(Map.of("FOO", "bar")).cwd(tmp));
    assertThat(out).isEqualTo("bar\n" + tmp.toRealPath() + "\n");
  }

  @Test
  void newSessionGivesTheChildItsOwnSession() throws Exception {
    String out = run(Spawn.of("/bin/sh", "-c", "echo $$; cat /proc/$$/stat").newSession());
    String[] lines = out.split("\n");
    int pid = Integer.parseInt(lines[0].trim());
    // /proc/PID/stat: pid (comm) state ppid pgrp session ...
    String[] fields = lines[1].substring(lines[1].lastIndexOf(')') + 2).split(" ");
    assertThat(Integer.parseInt(fields[3])).as("session id").isEqualTo(pid);
    assertThat(Integer.parseInt(fields[3])).isNotEqualTo(Processes.getsid(0));
  }

  @Test
  void childStartsWithEmptySignalMaskAndDefaultDispositions() throws Exception {
    String out = run(Spawn.of("/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"));
    assertThat(out).contains("SigBlk:\t0000000000000000").contains("SigIgn:\t0000000000000000");
  }

  @Test
  void onlyRequestedDescriptorsReachTheChild() throws Exception {
    try (Fds.Pipe extra = Fds.pipe()) {
      Fds.setCloexec(extra.readFd(), false); // even a non-cloexec fd must not leak
      String out = run(Spawn.of("/bin/sh", "-c", "ls /proc/self/fd").fd(5, extra.writeFd()).devNull(0));
      assertThat(out.split("\\s+")).containsExactlyInAnyOrder("0", "1", "2", "3", "5");
      // 3 is the directory ls itself opened
    }
  }

  @Test
  void mappedDescriptorsMayCrossEachOther() throws Exception {
    try (Fds.Pipe a = Fds.pipe(); Fds.Pipe b = Fds.pipe()) {
      int pid = Spawn.of("/bin/sh", "-c", "echo to-a >&3; echo to-b >&4")
          .fd(3, b.writeFd()).fd(4, a.writeFd()).start();
      Fds.close(a.writeFd());
      Fds.close(b.writeFd());
      assertThat(readAll(Fds.dup(b.readFd()))).isEqualTo("to-a\n");
      assertThat(readAll(Fds.dup(a.readFd()))).isEqualTo("to-b\n");
      assertThat(reap(pid).exitCode()).isZero();
    }
  }

  @Test
  void missingProgramIsAClearError() {
    assertThatThrownBy(() -> Spawn.of("/nonexistent/prog").start())
        .isInstanceOf(SysException.class)
        .hasMessage("posix_spawn /nonexistent/prog: ENOENT (2)");
  }

  @Test
  void killEndsTheChildWithTheSignal() throws Exception {
    int pid = Spawn.of("sleep", "60").start();
    Processes.kill(pid, Signals.SIGTERM);
    WaitStatus status = reap(pid);
    assertThat(status.signaled()).isTrue();
    assertThat(status.signal()).isEqualTo(Signals.SIGTERM);
    assertThat(status.shellStatus()).isEqualTo(128 + 15);
    assertThat(Processes.exists(pid)).isFalse();
  }

  @Test
  void waitpidWithoutChildrenIsEchild() {
    assertThatThrownBy(() -> Processes.waitpid(Processes.getpid() + 100_000, 0))
        .isInstanceOfSatisfying(SysException.class, e -> {
          assertThat(e.errno()).isEqualTo(Errno.ECHILD);
          assertThat(e.call()).isEqualTo("waitpid");
        })
        .hasMessageContaining("ECHILD (10)");
  }

  @Test
  void wnohangReturnsEmptyWhileTheChildRuns() throws Exception {
    int pid = Spawn.of("sleep", "60").start();
    try {
      assertThat(Processes.waitpid(pid, Processes.WNOHANG)).isEmpty();
    } finally {
      Processes.kill(pid, Signals.SIGKILL);
      assertThat(reap(pid).signal()).isEqualTo(Signals.SIGKILL);
    }
  }

  @Test
  void killOfAMissingProcessIsEsrch() {
    assertThatThrownBy(() -> Processes.kill(999_999_99, Signals.SIGTERM))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESRCH));
  }

  @Test
  void processIdentity() throws Exception {
    assertThat(Processes.getpid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(Processes.getppid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
    assertThat(Processes.getuid()).isEqualTo(Integer.parseInt(
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1]));
  }

  @Test
  void oomScoreAdjRoundTrip() throws Exception {
    int pid = Spawn.of("sleep", "60").start();
    try {
      Processes.setOomScoreAdj(pid, 500);
      assertThat(Processes.oomScoreAdj(pid)).isEqualTo(500);
    } finally {
      Processes.kill(pid, Signals.SIGKILL);
      reap(pid);
    }
  }

  @Test
  void signalNamesParse() {
    assertThat(Signals.parse("SIGTERM")).isEqualTo(15);
    assertThat(Signals.parse("kill")).isEqualTo(9);
    assertThat(Signals.parse("2")).isEqualTo(2);
    assertThat(Signals.name(9)).isEqualTo("SIGKILL");
    assertThatThrownBy(() -> Signals.parse("NOPE")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void subreaperFlagRoundTrips() throws Exception {
    boolean before = Processes.isChildSubreaper();
    try {
      Processes.setChildSubreaper(true);
      assertThat(Processes.isChildSubreaper()).isTrue();
      Processes.setChildSubreaper(false);
      assertThat(Processes.isChildSubreaper()).isFalse();
    } finally {
      Processes.setChildSubreaper(before);
    }
  }

}
