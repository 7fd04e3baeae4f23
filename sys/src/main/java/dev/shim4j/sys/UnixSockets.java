package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;
import static dev.shim4j.sys.Native.LONG;
import static dev.shim4j.sys.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * AF_UNIX stream sockets on raw descriptors, for what java.nio cannot do: hand a listener to a
 * child as a descriptor, pass descriptors with SCM_RIGHTS (runc's console socket sends the pty
 * master that way), and read SO_PEERCRED of a raw socket. All descriptors are close-on-exec.
 *
 * <p>A listener handed to a child as its fd 0 is picked up there with
 * {@code System.inheritedChannel()}, which the JDK returns as a ServerSocketChannel for a listening
 * Unix domain socket.
 */
public final class UnixSockets {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final long SOCKADDR_UN_SIZE = 110;
  private static final int MAX_PATH_BYTES = 107;

  private static final Native.Fn SOCKET = Native.fn("socket");
  private static final Native.Fn SOCKETPAIR = Native.fn("socketpair");
  private static final Native.Fn BIND = Native.fn("bind");
  private static final Native.Fn LISTEN = Native.fn("listen");
  private static final Native.Fn CONNECT = Native.fn("connect");
  private static final Native.Fn ACCEPT4 = Native.fn("accept4");
  private static final Native.Fn GETSOCKOPT = Native.fn("getsockopt");
  private static final Native.Fn SENDMSG = Native.fn("sendmsg");
  private static final Native.Fn RECVMSG = Native.fn("recvmsg");

  private UnixSockets() {}

  /** The kernel's view of a connected peer. */
  public record PeerCredentials(int pid, int uid, int gid) {}

  /** A message received with {@link #receiveFd}: its bytes and the passed descriptor (-1 if none). */
  public record ReceivedFd(int fd, byte[] data) {
    public String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  /** Two connected sockets. */
  public record Pair(int first, int second) implements AutoCloseable {
    @Override
    public void close() {
      Fds.closeQuietly(first);
      Fds.closeQuietly(second);
    }
  }

  /** socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC). */
  public static int socket() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int fd = SOCKET.call(err, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new SysException("socket", Native.errno(err));
      }
      return fd;
    }
  }

  public static Pair socketPair() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment sv = arena.allocate(INT, 2);
      if (SOCKETPAIR.call(err, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Native.ptr(sv)) != 0) {
        throw new SysException("socketpair", Native.errno(err));
      }
      return new Pair(sv.getAtIndex(INT, 0), sv.getAtIndex(INT, 1));
    }
  }

  /** A new socket bound to {@code path} and listening; the socket file must not exist. */
  public static int listen(Path path, int backlog) throws SysException {
    int fd = socket();
    try {
      bind(fd, path);
      listen(fd, backlog);
      return fd;
    } catch (SysException e) {
      Fds.closeQuietly(fd);
      throw e;
    }
  }

  /** A new socket connected to {@code path}. */
  public static int connect(Path path) throws SysException {
    int fd = socket();
    try {
      connect(fd, path);
      return fd;
    } catch (SysException e) {
      Fds.closeQuietly(fd);
      throw e;
    }
  }

  public static void bind(int fd, Path path) throws SysException {
    addressCall("bind", BIND, fd, path);
  }

  public static void connect(int fd, Path path) throws SysException {
    addressCall("connect", CONNECT, fd, path);
  }

  public static void listen(int fd, int backlog) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (LISTEN.call(err, fd, backlog) != 0) {
        throw new SysException("listen", String.valueOf(fd), Native.errno(err));
      }
    }
  }

  /**
   * Accepts one connection, waiting at most {@code timeout}; the new socket is close-on-exec.
   *
   * @throws SysException ETIMEDOUT when nobody connected in time
   */
  public static int accept(int listenFd, Duration timeout) throws SysException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      short revents = Fds.poll(listenFd, Fds.POLLIN, (int) Math.min(left, 100));
      if ((revents & Fds.POLLNVAL) != 0) {
        throw new SysException("accept", String.valueOf(listenFd), Errno.EBADF);
      }
      if (revents != 0) {
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment err = Native.errnoBuffer(arena);
          int fd = ACCEPT4.call(err, listenFd, 0, 0, SOCK_CLOEXEC);
          if (fd >= 0) {
            return fd;
          }
          int errno = Native.errno(err);
          if (errno != Errno.EAGAIN && errno != Errno.EINTR && errno != 103 /* ECONNABORTED */) {
            throw new SysException("accept", String.valueOf(listenFd), errno);
          }
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new SysException("accept", String.valueOf(listenFd), Errno.ETIMEDOUT);
      }
    }
  }

  /** SO_PEERCRED of a connected socket. */
  public static PeerCredentials peerCredentials(int fd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment cred = arena.allocate(12, 4);
      MemorySegment len = arena.allocate(INT);
      len.set(INT, 0, 12);
      if (GETSOCKOPT.call(err, fd, SOL_SOCKET, SO_PEERCRED, Native.ptr(cred), Native.ptr(len)) != 0) {
        throw new SysException("getsockopt(SO_PEERCRED)", String.valueOf(fd), Native.errno(err));
      }
      return new PeerCredentials(cred.get(INT, 0), cred.get(INT, 4), cred.get(INT, 8));
    }
  }

  /** sendmsg of {@code data} (at least one byte) carrying {@code fdToSend} as SCM_RIGHTS. */
  public static void sendFd(int socket, int fdToSend, byte[] data) throws SysException {
    if (data.length == 0) {
      throw new IllegalArgumentException("SCM_RIGHTS needs at least one data byte");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment payload = arena.allocate(data.length);
      MemorySegment.copy(data, 0, payload, Native.BYTE, 0, data.length);
      MemorySegment iov = iovec(arena, payload, data.length);
      MemorySegment control = arena.allocate(24, 8); // CMSG_SPACE(sizeof(int))
      control.set(LONG, 0, 20L); // CMSG_LEN(sizeof(int))
      control.set(INT, 8, SOL_SOCKET);
      control.set(INT, 12, SCM_RIGHTS);
      control.set(INT, 16, fdToSend);
      MemorySegment msg = msghdr(arena, iov, control, 24);
      while (true) {
        long n = SENDMSG.callLong(err, socket, Native.ptr(msg), MSG_NOSIGNAL);
        if (n >= 0) {
          return;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("sendmsg", String.valueOf(socket), errno);
        }
      }
    }
  }

  /**
   * recvmsg of up to {@code maxData} bytes and at most one SCM_RIGHTS descriptor (received
   * close-on-exec). Blocks; wait with {@link Fds#poll} first when a deadline matters.
   *
   * @throws SysException ECONNRESET when the peer closed without sending anything
   */
  public static ReceivedFd receiveFd(int socket, int maxData) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment payload = arena.allocate(Math.max(1, maxData));
      MemorySegment iov = iovec(arena, payload, Math.max(1, maxData));
      MemorySegment control = arena.allocate(64, 8);
      MemorySegment msg = msghdr(arena, iov, control, 64);
      long n;
      while (true) {
        n = RECVMSG.callLong(err, socket, Native.ptr(msg), MSG_CMSG_CLOEXEC);
        if (n >= 0) {
          break;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("recvmsg", String.valueOf(socket), errno);
        }
      }
      int fd = -1;
      long controlLen = msg.get(LONG, 40);
      for (long off = 0; off + 16 <= controlLen; ) {
        long cmsgLen = control.get(LONG, off);
        int level = control.get(INT, off + 8);
        int type = control.get(INT, off + 12);
        if (cmsgLen < 16) {
          break;
        }
        if (level == SOL_SOCKET && type == SCM_RIGHTS) {
          int count = (int) ((cmsgLen - 16) / 4);
          for (int i = 0; i < count; i++) {
            int received = control.get(INT, off + 16 + 4L * i);
            if (fd < 0) {
              fd = received;
            } else {
              Fds.closeQuietly(received); // only one was asked for; do not leak the rest
            }
          }
        }
        off += (cmsgLen + 7) & ~7L;
      }
      if (n == 0 && fd < 0) {
        throw new SysException("recvmsg", "peer closed", Errno.ECONNRESET);
      }
      byte[] data = Arrays.copyOf(payload.toArray(Native.BYTE), (int) n);
      return new ReceivedFd(fd, data);
    }
  }

  private static MemorySegment iovec(Arena arena, MemorySegment base, long len) {
    MemorySegment iov = arena.allocate(16, 8);
    Native.setPointer(iov, 0, base);
    iov.set(LONG, 8, len);
    return iov;
  }

  private static MemorySegment msghdr(Arena arena, MemorySegment iov, MemorySegment control, long controlLen) {
    MemorySegment msg = arena.allocate(56, 8);
    Native.setPointer(msg, 0, MemorySegment.NULL);
    msg.set(INT, 8, 0);
    Native.setPointer(msg, 16, iov);
    msg.set(LONG, 24, 1L);
    Native.setPointer(msg, 32, control);
    msg.set(LONG, 40, controlLen);
    msg.set(INT, 48, 0);
    return msg;
  }

  private static void addressCall(String call, Native.Fn fn, int fd, Path path)
      throws SysException {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_PATH_BYTES) {
      throw new SysException(call, path + " (longer than " + MAX_PATH_BYTES + " bytes)", Errno.ENAMETOOLONG);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 2);
      addr.set(SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(bytes, 0, addr, Native.BYTE, 2, bytes.length);
      int len = 2 + bytes.length + 1;
      while (true) {
        if (fn.call(err, fd, Native.ptr(addr), len) == 0) {
          return;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException(call, path.toString(), errno);
        }
      }
    }
  }
}
