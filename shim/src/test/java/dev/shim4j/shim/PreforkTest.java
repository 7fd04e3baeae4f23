package dev.shim4j.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreforkTest {
  @Test
  void idleTimeoutComesFromTheEnvironment() {
    assertThat(Prefork.idleTimeout(Map.of())).isEqualTo(Duration.ofMinutes(10));
    assertThat(Prefork.idleTimeout(Map.of(Prefork.IDLE_ENV, "30"))).isEqualTo(Duration.ofSeconds(30));
    assertThat(Prefork.idleTimeout(Map.of(Prefork.IDLE_ENV, "soon"))).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void onlyThePreforkActionWithTheDirectoryPropertyIsASpare() {
    String before = System.getProperty(Prefork.PROPERTY);
    try {
      System.clearProperty(Prefork.PROPERTY);
      assertThat(Prefork.requested(List.of("prefork"))).isFalse();
      System.setProperty(Prefork.PROPERTY, "/run/shim4j/prefork/x/ns");
      assertThat(Prefork.requested(List.of("prefork"))).isTrue();
      assertThat(Prefork.requested(List.of("-id", "c", "start"))).isFalse();
    } finally {
      if (before == null) {
        System.clearProperty(Prefork.PROPERTY);
      } else {
        System.setProperty(Prefork.PROPERTY, before);
      }
    }
  }

  @Test
  void aSpareThatMadeItsSlotReleasesTheSpawningMarkOnlyWhenItIsItsOwn(@TempDir Path dir) throws Exception {
    Path spawning = dir.resolve(Prefork.SPAWNING);
    Prefork.releaseSpawning(dir); // none: nothing to do

    Files.writeString(spawning, "1\n"); // another spare's (or launcher's)
    Prefork.releaseSpawning(dir);
    assertThat(spawning).exists();

    Files.writeString(spawning, ProcessHandle.current().pid() + "\n");
    Prefork.releaseSpawning(dir);
    assertThat(spawning).doesNotExist();
  }

  @Test
  void aSpareWatchesTheProcessItWasStartedForWhileItIsThere() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();

    assertThat(Prefork.watching(Long.toString(ProcessHandle.current().pid())).getAsBoolean()).isTrue();
    assertThat(Prefork.watching(Long.toString(exited.pid())).getAsBoolean()).as("gone already").isFalse();
    assertThat(Prefork.watching(null).getAsBoolean()).as("none named").isTrue();
    assertThat(Prefork.watching("containerd").getAsBoolean()).as("malformed: none").isTrue();
  }

  @Test
  void anIdleSpareStopsWaitingOnceItsProcessIsGone() throws Exception {
    Process watched = new ProcessBuilder("sleep", "0.3").start();
    long began = System.nanoTime();

    // (the JDK reaps the child as it exits: then its pid is gone)
    Prefork.awaitUnused(Duration.ofMinutes(1), Prefork.watching(Long.toString(watched.pid())));

    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void anIdleSpareWaitsItsWholeIdleTimeWhileItsProcessLives() throws Exception {
    long began = System.nanoTime();

    Prefork.awaitUnused(Duration.ofMillis(300), () -> true);

    assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }
}
