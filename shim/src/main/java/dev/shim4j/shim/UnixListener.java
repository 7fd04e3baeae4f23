package dev.shim4j.shim;

import dev.shim4j.sys.Errno;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.SysException;
import dev.shim4j.sys.UnixSockets;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A listening Unix socket as a raw descriptor, so that it can be handed to a spawned daemon (the
 * JDK's channels do not expose their descriptors). Mode 0600: only our user may connect.
 */
final class UnixListener {
  static final int BACKLOG = 128;

  private UnixListener() {}

  /**
   * Binds and listens on {@code path}; the descriptor is close-on-exec (the reaper dups it onto
   * the child's stdin). Throws FileAlreadyExistsException when the path is taken (EADDRINUSE).
   */
  static int listen(Path path) throws IOException {
    int fd = UnixSockets.socket();
    try {
      try {
        UnixSockets.bind(fd, path);
      } catch (SysException e) {
        if (e.is(Errno.EADDRINUSE)) {
          throw new FileAlreadyExistsException(path.toString(), null, "address in use");
        }
        throw e;
      }
      // Restrict before listen(): nobody can connect to a socket that does not listen yet.
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
      UnixSockets.listen(fd, BACKLOG);
      return fd;
    } catch (IOException | RuntimeException e) {
      Fds.closeQuietly(fd);
      throw e;
    }
  }

  static void close(int fd) {
    Fds.closeQuietly(fd);
  }
}
