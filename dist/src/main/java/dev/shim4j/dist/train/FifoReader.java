package dev.shim4j.dist.train;

import dev.shim4j.sys.Fds;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An output FIFO as containerd makes one for a process's stdout or stderr, with a reader that
 * keeps what arrives. The reader's open blocks until the shim opens its end (a daemon thread,
 * so a shim that never does cannot hold the training up).
 */
final class FifoReader {
  private final Path path;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  private FifoReader(Path path) {
    this.path = path;
  }

  static FifoReader create(Path path) throws IOException {
    Fds.mkfifo(path, 0600);
    FifoReader reader = new FifoReader(path);
    Thread.ofPlatform().daemon().name("fifo-" + path.getFileName()).start(reader::read);
    return reader;
  }

  Path path() {
    return path;
  }

  private void read() {
    byte[] buf = new byte[4096];
    try (InputStream in = new FileInputStream(path.toFile())) {
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (received) {
          received.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // The training only looks at what arrived; a broken FIFO shows up as missing output.
    }
  }

  String text() {
    synchronized (received) {
      return received.toString(StandardCharsets.UTF_8);
    }
  }

  /** Whether {@code expected} arrived within {@code timeout}. */
  boolean awaitText(String expected, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!text().contains(expected)) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }
}
