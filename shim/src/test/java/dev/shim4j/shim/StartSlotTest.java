package dev.shim4j.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.sys.Fds;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartSlotTest {
  @Test
  void aRequestIsCompleteOnceItsArgumentCountIsMet() throws IOException {
    assertThat(StartSlot.Request.parse(List.of("42", "/run/b"))).isEmpty();
    assertThat(StartSlot.Request.parse(List.of("42", "/run/b", "2", "-id"))).isEmpty();

    var request = StartSlot.Request.parse(List.of("42", "/run/b", "2", "-id", "start"));

    assertThat(request).contains(new StartSlot.Request(42, Path.of("/run/b"), List.of("-id", "start")));
  }

  @Test
  void aMalformedRequestIsAnError() {
    assertThatThrownBy(() -> StartSlot.Request.parse(List.of("x", "/run/b", "0")))
        .isInstanceOf(IOException.class).hasMessageContaining("malformed");
  }

  @Test
  void environmentsAreTheSameDespiteWhatBashAndTheLauncherSet() {
    Map<String, String> containerd = Map.of("TTRPC_ADDRESS", "/run/c.ttrpc", "PATH", "/usr/bin");
    Map<String, String> spare = Map.of("TTRPC_ADDRESS", "/run/c.ttrpc", "PATH", "/usr/bin",
        "MALLOC_ARENA_MAX", "2", "SHLVL", "2", "_", "/usr/bin/setsid");

    assertThat(StartSlot.sameEnvironment(containerd, spare)).isTrue();
    assertThat(StartSlot.sameEnvironment(Map.of("TTRPC_ADDRESS", "/run/other.ttrpc", "PATH", "/usr/bin"),
        spare)).isFalse();
    assertThat(StartSlot.sameEnvironment(Map.of("TTRPC_ADDRESS", "/run/c.ttrpc", "PATH", "/usr/bin",
        "MALLOC_ARENA_MAX", "8"), spare)).isFalse();
  }

  /**
   * A claim is released only once its launcher let go of the FIFO: else the end of one launcher's
   * request could be read as the start of the next one's.
   */
  @Test
  void aRequestFifoClosesOnlyOnceItsLauncherLetGo(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("request");
    Fds.mkfifo(fifo, 0600);
    AtomicBoolean launcherClosed = new AtomicBoolean();
    CountDownLatch replied = new CountDownLatch(1);
    Thread launcher = Thread.ofPlatform().start(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write("42\0/run/b\0001\0start\0".getBytes(StandardCharsets.UTF_8));
        out.flush();
        replied.await(); // as a launcher waits for its reply,
        Thread.sleep(200); // reads it and goes on for a while before it closes
        launcherClosed.set(true);
      } catch (IOException | InterruptedException e) {
        throw new RuntimeException(e);
      }
    });

    try (StartSlot.RequestFifo requests = StartSlot.RequestFifo.open(fifo)) {
      assertThat(requests.read()).contains(new StartSlot.Request(42, Path.of("/run/b"), List.of("start")));
      replied.countDown();
    }

    assertThat(launcherClosed).isTrue();
    launcher.join();
  }

  @Test
  void aLauncherThatLeftBeforeAWholeRequestIsNoRequest(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("request");
    Fds.mkfifo(fifo, 0600);
    Thread launcher = Thread.ofPlatform().start(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write("42\0/run/b\0002\0-id\0".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });

    try (StartSlot.RequestFifo requests = StartSlot.RequestFifo.open(fifo)) {
      assertThat(requests.read()).isEmpty();
    }
    launcher.join();
  }

  @Test
  void aRemovedSlotTakesTheDirectoriesItLeavesEmptyWithIt(@TempDir Path dir) throws Exception {
    Path slot = dir.resolve("NAME/ns/daemons/42");
    StartSlot.makeDirectory(slot);
    Path other = Files.createDirectories(dir.resolve("NAME/other-ns"));

    StartSlot.removeQuietly(slot, 3);

    assertThat(dir.resolve("NAME/ns")).doesNotExist();
    assertThat(other).exists(); // NAME holds another namespace: kept, and so is everything above
    assertThat(dir).exists();
  }

  @Test
  void aClaimWithoutItsRequestIsReleasedOnceStaleAndOnlyThen(@TempDir Path dir) throws Exception {
    Path slot = Files.createDirectories(dir.resolve("42"));
    Path taken = slot.resolve("taken");
    AtomicBoolean serving = new AtomicBoolean(true);
    Files.createFile(taken);
    Files.setLastModifiedTime(taken, FileTime.from(Instant.now().minusSeconds(60)));
    Thread watch = StartSlot.releaseStaleClaims(slot, serving, Duration.ofSeconds(1));

    Thread.sleep(1200); // two looks
    assertThat(taken).as("a launcher is being served: its claim stays").exists();

    serving.set(false);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Files.exists(taken) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(taken).doesNotExist();

    Files.createFile(taken); // a claim just made: its launcher writes right away
    Thread.sleep(150);
    assertThat(taken).exists();

    Files.delete(taken);
    Files.delete(slot);
    watch.join(5_000);
    assertThat(watch.isAlive()).as("the watch ends with its slot").isFalse();
  }
}
