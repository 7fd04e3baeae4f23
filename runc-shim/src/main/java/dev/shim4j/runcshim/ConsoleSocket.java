package dev.shim4j.runcshim;

import dev.shim4j.sys.Fds;
import dev.shim4j.sys.UnixSockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A temporary Unix socket runc connects to ({@code --console-socket}) to hand over the master
 * end of the container's pty with SCM_RIGHTS. Lives in a fresh directory under /tmp: the path
 * must stay under the 108-byte sun_path limit, which bundle paths can exceed.
 */
final class ConsoleSocket implements AutoCloseable {
  private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(10);

  private final Path dir;
  private final Path path;
  private final int listener;

  private ConsoleSocket(Path dir, Path path, int listener) {
    this.dir = dir;
    this.path = path;
    this.listener = listener;
  }

  static ConsoleSocket create() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "runc4j-pty");
    Path path = dir.resolve("pty.sock");
    try {
      return new ConsoleSocket(dir, path, UnixSockets.listen(path, 1));
    } catch (IOException e) {
      Files.deleteIfExists(dir);
      throw e;
    }
  }

  Path path() {
    return path;
  }

  /** The pty master runc sent; call after runc create/exec returned (runc sends before it exits). */
  int receiveMaster() throws IOException {
    int conn = UnixSockets.accept(listener, ACCEPT_TIMEOUT);
    try {
      short ready = Fds.poll(conn, Fds.POLLIN, (int) ACCEPT_TIMEOUT.toMillis());
      if (ready == 0) {
        throw new IOException("runc connected to the console socket but sent no pty within "
            + ACCEPT_TIMEOUT.toSeconds() + "s");
      }
      UnixSockets.ReceivedFd got = UnixSockets.receiveFd(conn, 4096);
      if (got.fd() < 0) {
        throw new IOException("runc sent no descriptor over the console socket (got '" + got.text() + "')");
      }
      return got.fd();
    } finally {
      Fds.closeQuietly(conn);
    }
  }

  @Override
  public void close() {
    Fds.closeQuietly(listener);
    try {
      Files.deleteIfExists(path);
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a stale temp dir is harmless
    }
  }
}
