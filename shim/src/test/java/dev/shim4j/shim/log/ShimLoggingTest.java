package dev.shim4j.shim.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.sys.Fds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ShimLoggingTest {
  @TempDir Path dir;

  @AfterEach
  void back() {
    ShimLogging.reset();
  }

  @Test
  void systemGetLoggerIsOurs() {
    assertThat(System.getLogger("x")).isInstanceOf(ShimLogger.class);
  }

  @Test
  void writesLogrusLinesToAFileWithDefaultFields() throws Exception {
    Path log = dir.resolve("log");
    ShimLogging.configure(log, Level.INFO, Map.of("runtime", "io.containerd.test.v1"));
    Logger logger = System.getLogger("test");
    logger.log(Level.INFO, "server {0} started", "ttrpc");
    logger.log(Level.ERROR, "failed", new IOException("disk \"full\""));
    assertThat(ShimLogging.flush(Duration.ofSeconds(5))).isTrue();
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches(
        "time=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d)\" level=info"
            + " msg=\"server ttrpc started\" runtime=io.containerd.test.v1");
    assertThat(lines.get(1)).endsWith(
        " level=error msg=failed error=\"disk \\\"full\\\"\" runtime=io.containerd.test.v1");
  }

  @Test
  void levelFiltersLines() throws Exception {
    Path log = dir.resolve("log");
    ShimLogging.configure(log, Level.WARNING);
    Logger logger = System.getLogger("test");
    logger.log(Level.DEBUG, "d");
    logger.log(Level.INFO, "i");
    logger.log(Level.WARNING, "w");
    logger.log(Level.ERROR, "e");
    assertThat(logger.isLoggable(Level.INFO)).isFalse();
    assertThat(logger.isLoggable(Level.WARNING)).isTrue();
    ShimLogging.flush(Duration.ofSeconds(5));
    assertThat(Files.readAllLines(log)).extracting(l -> l.replaceAll(".* level=", ""))
        .containsExactly("warning msg=w", "error msg=e");
  }

  @Test
  void debugFlagForcesDebugAndLevelNamesParse() {
    assertThat(ShimLogging.levelFor("warn", true)).isEqualTo(Level.DEBUG);
    assertThat(ShimLogging.levelFor("warn", false)).isEqualTo(Level.WARNING);
    assertThat(ShimLogging.levelFor("", false)).isEqualTo(Level.INFO);
    assertThat(ShimLogging.levelFor("TRACE", false)).isEqualTo(Level.TRACE);
    assertThatThrownBy(() -> ShimLogging.levelFor("loud", false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loud");
  }

  @Test
  void debugLevelAddsStackOfThrowable() throws Exception {
    Path log = dir.resolve("log");
    ShimLogging.configure(log, Level.DEBUG);
    System.getLogger("t").log(Level.DEBUG, "boom", new IllegalStateException("bad"));
    ShimLogging.flush(Duration.ofSeconds(5));
    assertThat(Files.readString(log)).contains("error=bad")
        .contains("stack=\"java.lang.IllegalStateException: bad\\n\\tat ");
  }

  @Test
  void jdkLoggersOnlyPassWarnings() {
    Logger jdk = new ShimLoggerFinder().getLogger("jdk.x", Object.class.getModule());
    ShimLogging.setLevel(Level.TRACE);
    assertThat(jdk.isLoggable(Level.DEBUG)).isFalse();
    assertThat(jdk.isLoggable(Level.WARNING)).isTrue();
  }

  @Test
  void streamDestinationIsSynchronous() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ShimLogging.configure(out, Level.INFO);
    System.getLogger("t").log(Level.INFO, "now");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(" level=info msg=now");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void fifoWithoutReaderNeverBlocksAndCountsDrops() throws Exception {
    Path fifo = dir.resolve("log");
    Fds.mkfifo(fifo, 0600);
    // configure itself must not wait for a reader (a blocking open would hang here).
    ShimLogging.configure(fifo, Level.INFO);
    Logger logger = System.getLogger("t");
    // A blocking open or write would hang here until the @Timeout fails the test.
    for (int i = 0; i < 2_000; i++) {
      logger.log(Level.INFO, "line {0} with some padding to fill buffers quickly", i);
    }
    assertThat(ShimLogging.flush(Duration.ofSeconds(30))).isTrue();
    assertThat(ShimLogging.droppedLines()).isPositive();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void fifoWithAFullPipeDropsInsteadOfBlocking() throws Exception {
    Path fifo = dir.resolve("log");
    Fds.mkfifo(fifo, 0600);
    // A reader that opens the FIFO but never reads: the 64 KiB pipe fills up.
    int reader = Fds.open(fifo, Fds.O_RDONLY | Fds.O_NONBLOCK);
    try {
      ShimLogging.configure(fifo, Level.INFO);
      Logger logger = System.getLogger("t");
      String padding = "x".repeat(200);
      for (int i = 0; i < 5_000; i++) {
        logger.log(Level.INFO, "line " + i + " " + padding);
      }
      assertThat(ShimLogging.flush(Duration.ofSeconds(40))).isTrue();
      assertThat(ShimLogging.droppedLines()).isPositive();
    } finally {
      ShimLogging.reset();
      Fds.closeQuietly(reader);
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void fifoWithAReaderGetsTheLinesInOrder() throws Exception {
    Path fifo = dir.resolve("log");
    Fds.mkfifo(fifo, 0600);
    // Like containerd: the reader is there before the shim configures its log.
    int reader = Fds.open(fifo, Fds.O_RDONLY | Fds.O_NONBLOCK);
    CompletableFuture<String> read =
        CompletableFuture.supplyAsync(() -> readUntil(reader, t -> t.contains("msg=\"line 99\"")));
    ShimLogging.configure(fifo, Level.INFO);
    Logger logger = System.getLogger("t");
    for (int i = 0; i < 100; i++) {
      logger.log(Level.INFO, "line " + i);
    }
    assertThat(ShimLogging.flush(Duration.ofSeconds(10))).isTrue();
    List<String> lines = read.get(10, TimeUnit.SECONDS).lines().toList();
    Fds.closeQuietly(reader);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      expected.add("msg=\"line " + i + "\"");
    }
    assertThat(lines).extracting(l -> l.substring(l.indexOf("msg="))).containsExactlyElementsOf(expected);
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void fifoReaderArrivingLaterStillGetsNewLines() throws Exception {
    Path fifo = dir.resolve("log");
    Fds.mkfifo(fifo, 0600);
    ShimLogging.configure(fifo, Level.INFO);
    Logger logger = System.getLogger("t");
    logger.log(Level.INFO, "before any reader");
    ShimLogging.flush(Duration.ofSeconds(5));
    int reader = Fds.open(fifo, Fds.O_RDONLY | Fds.O_NONBLOCK);
    CompletableFuture<String> read =
        CompletableFuture.supplyAsync(() -> readUntil(reader, t -> t.contains("reader came")));
    Thread.sleep(300); // past the sink's reopen interval
    logger.log(Level.INFO, "after the reader came");
    ShimLogging.flush(Duration.ofSeconds(5));
    ShimLogging.reset();
    String text = read.get(10, TimeUnit.SECONDS);
    Fds.closeQuietly(reader);
    assertThat(text).contains("msg=\"after the reader came\"").doesNotContain("before any reader");
  }

  /**
   * Reads a non-blocking FIFO until {@code done} holds for what arrived or the deadline passes.
   * EOF (no writer yet, or the writer left) and EAGAIN both mean: look again shortly.
   */
  private static String readUntil(int fd, java.util.function.Predicate<String> done) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      int n;
      try {
        n = Fds.read(fd, buf, 0, buf.length);
      } catch (IOException e) {
        n = 0; // EAGAIN
      }
      if (n > 0) {
        out.write(buf, 0, n);
        continue;
      }
      if (done.test(out.toString(StandardCharsets.UTF_8))) {
        break;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        break;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
