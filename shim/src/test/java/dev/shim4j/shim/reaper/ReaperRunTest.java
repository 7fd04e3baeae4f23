package dev.shim4j.shim.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.sys.Processes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The reaper owns every child of this JVM: no ProcessBuilder in this class. */
class ReaperRunTest {
  private static final Reaper REAPER = Reaper.get();
  private static final Duration LONG = Duration.ofSeconds(60);

  @Test
  void capturesStdoutStderrAndStatus() throws Exception {
    CommandResult r = REAPER.run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3"), new byte[0], LONG);
    assertThat(r.status()).isEqualTo(3);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.stdoutText()).isEqualTo("out\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
  }

  @Test
  void feedsStdin() throws Exception {
    byte[] input = new byte[3 << 20];
    new Random(1).nextBytes(input);
    CommandResult r = REAPER.run(Command.of("cat"), input, LONG);
    assertThat(r.status()).isZero();
    assertThat(r.stdout()).isEqualTo(input);
  }

  @Test
  void bigOutputOnBothStreamsDoesNotDeadlock() throws Exception {
    // 5 MB on stdout and 5 MB on stderr, far beyond the 64 KiB pipe buffers
    CommandResult r = REAPER.run(Command.of("sh", "-c",
            "head -c 5242880 /dev/zero; head -c 5242880 /dev/zero >&2; echo done >&2"),
        new byte[0], LONG);
    assertThat(r.status()).isZero();
    assertThat(r.stdout()).hasSize(5 * 1024 * 1024);
    assertThat(r.stderr()).hasSize(5 * 1024 * 1024 + 5);
  }

  @Test
  void fiftyConcurrentRuns() throws Exception {
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<CommandResult>> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        results.add(callers.submit(() ->
            REAPER.run(Command.of("sh", "-c", "echo " + n + "; exit " + (n % 7)), new byte[0], LONG)));
      }
      for (int i = 0; i < 50; i++) {
        CommandResult r = results.get(i).get(120, TimeUnit.SECONDS);
        assertThat(r.stdoutText()).isEqualTo(i + "\n");
        assertThat(r.status()).isEqualTo(i % 7);
      }
    }
  }

  @Test
  void timeoutKillsTheChild() throws Exception {
    try (ExitSubscription exits = REAPER.subscribe()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> REAPER.run(Command.of("sh", "-c", "echo $$; exec sleep 60"), new byte[0],
              Duration.ofMillis(500)))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("killed with SIGKILL");
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(20));
      // the killed child was reaped with status 137
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean seen = false;
      while (!seen && System.nanoTime() < deadline) {
        var exit = exits.poll(Duration.ofSeconds(1));
        seen = exit.isPresent() && exit.get().status() == 137;
      }
      assertThat(seen).as("an exit with status 137").isTrue();
    }
  }

  @Test
  void stdinIsOptional() throws Exception {
    CommandResult r = REAPER.run(Command.of("cat"), null, LONG);
    assertThat(r.status()).isZero();
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void outputHeldOpenByADescendantIsCutAtTheDeadline() throws Exception {
    long start = System.nanoTime();
    CommandResult r = REAPER.run(Command.of("sh", "-c", "sleep 30 & echo $!; echo parent done"),
        new byte[0], Duration.ofSeconds(1));
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(15));
    assertThat(r.status()).isZero();
    String[] lines = r.stdoutText().split("\n");
    assertThat(lines[1]).isEqualTo("parent done");
    Processes.kill(Integer.parseInt(lines[0].trim()), 9);
    assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).isEmpty();
  }
}
