package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalsTest {
  @Test
  void aHandledSignalRunsTheHandler() throws Exception {
    CompletableFuture<Integer> got = new CompletableFuture<>();
    Signals.handle(Signals.SIGUSR1, got::complete);
    Processes.kill(Processes.getpid(), Signals.SIGUSR1);
    assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(Signals.SIGUSR1);
  }

  /**
   * A process started with SIGINT ignored (a shell's background job) still gets its SIGINT
   * handler: without the reset, the JVM keeps the inherited SIG_IGN and never calls it.
   */
  @Test
  void aShutdownSignalIgnoredAtStartIsHandledOnceAHandlerIsSet() throws Exception {
    Signals.ignore(Signals.SIGINT);
    assertThat(Signals.isIgnored(Signals.SIGINT)).isTrue();
    CompletableFuture<Integer> got = new CompletableFuture<>();
    Signals.handle(Signals.SIGINT, got::complete);
    assertThat(Signals.isIgnored(Signals.SIGINT)).isFalse();
    Processes.kill(Processes.getpid(), Signals.SIGINT);
    assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(Signals.SIGINT);
  }

  @Test
  void anIgnoredSignalDoesNotEndTheJvm() throws Exception {
    Signals.ignore(Signals.SIGPIPE);
    Processes.kill(Processes.getpid(), Signals.SIGPIPE);
    Thread.sleep(100);
    // still here; and the kernel agrees that SIGPIPE is ignored
    String sigIgn = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().split("\\s+")[1];
    assertThat(Long.parseLong(sigIgn, 16) & (1L << (Signals.SIGPIPE - 1))).isNotZero();
  }

  @Test
  void spawnedChildrenDoNotInheritAnIgnoredSignal() throws Exception {
    Signals.ignore(Signals.SIGPIPE);
    try (Fds.Pipe pipe = Fds.pipe()) {
      int pid = Spawn.of("sh", "-c", "grep '^SigIgn' /proc/self/status").fd(1, pipe.writeFd()).start();
      Fds.close(pipe.writeFd());
      try (FdInputStream in = new FdInputStream(Fds.dup(pipe.readFd()))) {
        assertThat(new String(in.readAllBytes())).isEqualTo("SigIgn:\t0000000000000000\n");
      }
      assertThat(Processes.waitpid(pid, 0).orElseThrow().exitCode()).isZero();
    }
  }
}
