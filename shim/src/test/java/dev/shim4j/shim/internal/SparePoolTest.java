package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool's policy, with "spares" that are sleep processes. */
class SparePoolTest {
  private static final Duration IDLE = Duration.ofSeconds(600);

  @TempDir Path tmp;
  private final List<Process> sleepers = new CopyOnWriteArrayList<>();
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @AfterEach
  void cleanUp() {
    sleepers.forEach(Process::destroyForcibly);
  }

  private ProcessId sleeper() throws IOException {
    Process p = new ProcessBuilder("sleep", "120").start();
    sleepers.add(p);
    return ProcessId.of(p.pid()).orElseThrow();
  }

  private SparePool pool(SparePool.Mode mode) throws IOException {
    PoolDir dir = PoolDir.open(tmp.resolve("prefork").resolve("0123456789abcdef"), "k");
    InstantSource clock = () -> now;
    return new SparePool(dir, mode, IDLE, this::sleeper, clock);
  }

  @Test
  void alwaysStartsOneSpareAfterANewDaemonAndNoSecondWhileItLives() throws Exception {
    SparePool pool = pool(SparePool.Mode.ALWAYS);
    assertThat(pool.afterNewDaemon(false)).hasSize(1);
    assertThat(pool.alive()).hasSize(1);
    // a spare took the next start and is no spare any more
    pool.forget(pool.alive().getFirst());
    assertThat(pool.afterNewDaemon(true)).hasSize(1);
  }

  @Test
  void neverStartsNone() throws Exception {
    SparePool pool = pool(SparePool.Mode.NEVER);
    assertThat(pool.afterNewDaemon(false)).isEmpty();
    assertThat(pool.afterNewDaemon(false)).isEmpty();
    assertThat(sleepers).isEmpty();
  }

  @Test
  void adaptiveStartsOneAfterTheSecondNewDaemonWithinTheIdleTimeOnly() throws Exception {
    SparePool pool = pool(SparePool.Mode.ADAPTIVE);
    assertThat(pool.afterNewDaemon(false)).isEmpty();
    now = now.plus(IDLE).plusSeconds(1);
    assertThat(pool.afterNewDaemon(false)).as("the last was too long ago").isEmpty();
    now = now.plusSeconds(5);
    assertThat(pool.afterNewDaemon(false)).hasSize(1);
  }

  @Test
  void aNewDaemonMadeWithoutTheLiveSpareMeansStartsOutranItAndTwoAreKept() throws Exception {
    SparePool pool = pool(SparePool.Mode.ALWAYS);
    pool.afterNewDaemon(false);
    List<ProcessId> second = pool.afterNewDaemon(false); // cold, while the spare was there
    assertThat(second).hasSize(1);
    assertThat(pool.alive()).hasSize(2);
    // the outrun ages out: one spare again
    now = now.plus(IDLE).plusSeconds(1);
    pool.forget(pool.alive().get(0));
    pool.forget(pool.alive().get(0));
    assertThat(pool.afterNewDaemon(true)).hasSize(1);
  }

  @Test
  void deadSparesAreNotCountedAndTheirSocketsAreRemoved() throws Exception {
    SparePool pool = pool(SparePool.Mode.ALWAYS);
    pool.afterNewDaemon(false);
    sleepers.getFirst().destroyForcibly().waitFor();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path stale = Files.createFile(tmp.resolve("prefork/0123456789abcdef/spare." + gone.pid()));

    assertThat(pool.afterNewDaemon(true)).hasSize(1);
    assertThat(pool.alive()).hasSize(1);
    assertThat(stale).doesNotExist();
  }

  /** Tens of daemons deciding at once start two spares in all: one, and one for the outrun. */
  @Test
  void tensOfNewDaemonsAtOnceStartNoMoreSparesThanWanted() throws Exception {
    SparePool pool = pool(SparePool.Mode.ALWAYS);
    int daemons = 40;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<ProcessId>>> decisions = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(daemons)) {
      for (int i = 0; i < daemons; i++) {
        decisions.add(threads.submit(() -> {
          go.await();
          return pool.afterNewDaemon(false);
        }));
      }
      go.countDown();
      int started = 0;
      for (Future<List<ProcessId>> decision : decisions) {
        started += decision.get().size();
      }
      assertThat(started).isEqualTo(2);
    }
    assertThat(pool.alive()).hasSize(2);
    assertThat(sleepers).hasSize(2);
  }
}
