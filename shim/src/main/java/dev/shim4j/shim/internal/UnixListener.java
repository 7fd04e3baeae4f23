package dev.shim4j.shim.internal;

import dev.shim4j.sys.Errno;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.SysException;
import dev.shim4j.sys.UnixSockets;
import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
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

  /**
   * Binds and listens on {@code path} with the JDK's channel, for a daemon that serves in this
   * very process (no native call needed on the way to {@code start}'s answer). The JDK binds and
   * listens in one step, so for the moment before the chmod the socket has the umask's mode, as
   * Go's shim's has; the server's same-user peer check refuses anyone else who connects then.
   * Throws FileAlreadyExistsException when the path is taken.
   */
  static ServerSocketChannel listenChannel(Path path) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      try {
        channel.bind(UnixDomainSocketAddress.of(path), BACKLOG);
      } catch (BindException e) {
        throw new FileAlreadyExistsException(path.toString(), null, "address in use");
      }
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  static void close(int fd) {
    Fds.closeQuietly(fd);
  }
}
