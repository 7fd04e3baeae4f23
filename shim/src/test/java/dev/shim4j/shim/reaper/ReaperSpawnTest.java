package dev.shim4j.shim.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper owns every child of this JVM: no ProcessBuilder in this class. */
class ReaperSpawnTest {
  private static final Reaper REAPER = Reaper.get();

  @TempDir Path tmp;

  private static Exit exitOf(Child child) throws Exception {
    return child.exit().get(30, TimeUnit.SECONDS);
  }

  private static Command quiet(String... argv) {
    return Command.of(argv).withStdio(Stdio.devNull(), Stdio.devNull(), Stdio.devNull());
  }

  @Test
  void routesEachExitToItsOwnChild() throws Exception {
    List<Child> children = new ArrayList<>();
    for (int code = 0; code < 6; code++) {
      // the later spawned exit first, so reaping order differs from spawn order
      double delay = (6 - code) * 0.05;
      children.add(REAPER.spawn(quiet("sh", "-c", "sleep " + delay + "; exit " + code)));
    }
    for (int code = 0; code < 6; code++) {
      Exit exit = exitOf(children.get(code));
      assertThat(exit.pid()).isEqualTo(children.get(code).pid());
      assertThat(exit.status()).isEqualTo(code);
      assertThat(exit.exitedAt()).isNotNull();
    }
  }

  @Test
  void childrenThatExitAtOnceAreNotLost() throws Exception {
    List<Child> children = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      children.add(REAPER.spawn(quiet("/bin/true")));
    }
    for (Child child : children) {
      assertThat(exitOf(child).status()).isZero();
    }
  }

  @Test
  void signalExitIs128PlusTheSignal() throws Exception {
    Child term = REAPER.spawn(quiet("sleep", "60"));
    Child kill = REAPER.spawn(quiet("sleep", "60"));
    Processes.kill(term.pid(), Signals.SIGTERM);
    Processes.kill(kill.pid(), Signals.SIGKILL);
    assertThat(exitOf(term).status()).isEqualTo(128 + 15);
    assertThat(exitOf(kill).status()).isEqualTo(137);
  }

  @Test
  void pipesConnectTheParentToTheChild() throws Exception {
    Child cat = REAPER.spawn(Command.of("cat").withStdio(Stdio.pipe(), Stdio.pipe(), Stdio.pipe()));
    try (OutputStream in = cat.stdin(); InputStream out = cat.stdout(); InputStream err = cat.stderr()) {
      in.write("ping".getBytes(StandardCharsets.UTF_8));
      in.close();
      assertThat(new String(out.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ping");
      assertThat(err.readAllBytes()).isEmpty();
    }
    assertThat(exitOf(cat).status()).isZero();
  }

  @Test
  void nullAndInheritHaveNoParentStreams() throws Exception {
    Child child = REAPER.spawn(
        Command.of("/bin/true").withStdio(Stdio.devNull(), Stdio.inherit(), Stdio.devNull()));
    assertThat(child.stdin()).isNull();
    assertThat(child.stdout()).isNull();
    assertThat(child.stderr()).isNull();
    assertThat(exitOf(child).status()).isZero();
  }

  @Test
  void givenAndExtraDescriptorsReachTheChild() throws Exception {
    try (Fds.Pipe out = Fds.pipe(); Fds.Pipe extra = Fds.pipe()) {
      Child child = REAPER.spawn(Command.of("sh", "-c", "echo out; echo extra >&3")
          .withStdio(Stdio.devNull(), Stdio.fd(out.writeFd()), Stdio.devNull())
          .withExtraFds(Map.of(3, extra.writeFd())));
      assertThat(exitOf(child).status()).isZero();
      Fds.close(out.writeFd());
      Fds.close(extra.writeFd());
      byte[] buf = new byte[64];
      assertThat(new String(buf, 0, Fds.read(out.readFd(), buf, 0, 64), StandardCharsets.UTF_8)).isEqualTo("out\n");
      assertThat(new String(buf, 0, Fds.read(extra.readFd(), buf, 0, 64), StandardCharsets.UTF_8)).isEqualTo("extra\n");
    }
  }

  @Test
  void cwdEnvAndNewSession() throws Exception {
    CommandResult result = REAPER.run(
        Command.of("sh", "-c", "pwd; echo $GREETING; ps -o sid= -p $$ 2>/dev/null || cut -d' ' -f6 /proc/$$/stat; echo $$")
            .withCwd(tmp).withEnv(Map.of("GREETING", "hi", "PATH", "/usr/bin:/bin")).inNewSession(),
        new byte[0], Duration.ofSeconds(30));
    String[] lines = result.stdoutText().split("\n");
    assertThat(lines[0]).isEqualTo(tmp.toRealPath().toString());
    assertThat(lines[1]).isEqualTo("hi");
    assertThat(lines[2].trim()).as("session id = own pid").isEqualTo(lines[3].trim());
  }

  @Test
  void spawnFailureIsAClearIOException() {
    assertThatThrownBy(() -> REAPER.spawn(quiet("/no/such/binary")))
        .hasMessageContaining("posix_spawn /no/such/binary: ENOENT");
  }

  @Test
  void subscribersSeeEveryExitAndStopAfterClose() throws Exception {
    ExitSubscription first = REAPER.subscribe();
    ExitSubscription second = REAPER.subscribe();
    Set<Integer> pids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      pids.add(REAPER.spawn(quiet("/bin/true")).pid());
    }
    assertThat(collect(first, pids)).isEqualTo(pids);
    assertThat(collect(second, pids)).isEqualTo(pids);
    first.close();
    assertThatThrownBy(first::take).isInstanceOf(IllegalStateException.class);
    second.close();
  }

  @Test
  void aSubscriberThatFallsBehindIsCutOffWithoutStallingOthers() throws Exception {
    ExitSubscription slow = REAPER.subscribe(2);
    ExitSubscription healthy = REAPER.subscribe();
    Set<Integer> pids = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      Child child = REAPER.spawn(quiet("/bin/true"));
      pids.add(child.pid());
      exitOf(child);
    }
    assertThat(collect(healthy, pids)).isEqualTo(pids);
    // the slow one keeps what it had queued, then learns it lost exits
    assertThat(slow.poll(Duration.ofSeconds(1))).isPresent();
    assertThat(slow.poll(Duration.ofSeconds(1))).isPresent();
    assertThatThrownBy(() -> slow.poll(Duration.ofSeconds(1)))
        .isInstanceOf(SubscriptionOverflowException.class);
    slow.close();
    healthy.close();
  }

  @Test
  void pollTimesOut() throws Exception {
    try (ExitSubscription s = REAPER.subscribe()) {
      long start = System.nanoTime();
      // other tests may be reaping; only assert that poll returns within its deadline
      s.poll(Duration.ofMillis(100));
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
  }

  /** Takes exits until every pid in {@code wanted} was seen (ignoring other tests' exits). */
  static Set<Integer> collect(ExitSubscription subscription, Set<Integer> wanted) throws Exception {
    Set<Integer> seen = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen.containsAll(wanted)) {
      var exit = subscription.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      assertThat(exit).as("exits of " + wanted + ", seen " + seen).isPresent();
      if (wanted.contains(exit.get().pid())) {
        seen.add(exit.get().pid());
      }
    }
    return seen;
  }
}
