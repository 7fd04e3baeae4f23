package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An inotify instance (close-on-exec): watch files such as a cgroup v2 {@code memory.events}
 * (which the kernel reports as IN_MODIFY when a counter changes) and read events with a timeout.
 */
public final class Inotify implements AutoCloseable {
  public static final int IN_ACCESS = 0x1;
  public static final int IN_MODIFY = 0x2;
  public static final int IN_ATTRIB = 0x4;
  public static final int IN_CLOSE_WRITE = 0x8;
  public static final int IN_OPEN = 0x20;
  public static final int IN_MOVED_FROM = 0x40;
  public static final int IN_MOVED_TO = 0x80;
  public static final int IN_CREATE = 0x100;
  public static final int IN_DELETE = 0x200;
  public static final int IN_DELETE_SELF = 0x400;
  public static final int IN_MOVE_SELF = 0x800;
  public static final int IN_UNMOUNT = 0x2000;
  public static final int IN_Q_OVERFLOW = 0x4000;
  public static final int IN_IGNORED = 0x8000;

  private static final int IN_CLOEXEC = 02000000;
  private static final int EVENT_HEADER = 16;
  private static final int BUFFER = 64 * 1024;

  private static final Native.Fn INIT1 = Native.fn("inotify_init1");
  private static final Native.Fn ADD_WATCH = Native.fn("inotify_add_watch");
  private static final Native.Fn RM_WATCH = Native.fn("inotify_rm_watch");

  /** One event; {@code name} is empty for events on the watched file itself. */
  public record Event(int wd, int mask, int cookie, String name) {
    public boolean is(int flag) {
      return (mask & flag) != 0;
    }
  }

  private final FdHandle handle;

  private Inotify(int fd) {
    this.handle = new FdHandle(fd);
  }

  public static Inotify open() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int fd = INIT1.call(err, IN_CLOEXEC);
      if (fd < 0) {
        throw new SysException("inotify_init1", Native.errno(err));
      }
      return new Inotify(fd);
    }
  }

  public int fd() {
    return handle.fd();
  }

  /** Watches {@code path} for the IN_* events in {@code mask}; returns the watch descriptor. */
  public int addWatch(Path path, int mask) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int wd = ADD_WATCH.call(err, handle.fd(), Native.ptr(arena.allocateFrom(path.toString())), mask);
      if (wd < 0) {
        throw new SysException("inotify_add_watch", path.toString(), Native.errno(err));
      }
      return wd;
    }
  }

  public void removeWatch(int wd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (RM_WATCH.call(err, handle.fd(), wd) != 0) {
        throw new SysException("inotify_rm_watch", String.valueOf(wd), Native.errno(err));
      }
    }
  }

  /**
   * The events available now, waiting at most {@code timeout} for the first; empty on timeout or
   * when this instance was closed meanwhile.
   */
  public List<Event> read(Duration timeout) throws SysException {
    if (!handle.acquire()) {
      return List.of();
    }
    try (Arena arena = Arena.ofConfined()) {
      int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
      short revents;
      try {
        revents = handle.await(Fds.POLLIN, millis);
      } catch (SysException e) {
        throw e;
      } catch (java.io.IOException closed) {
        return List.of();
      }
      if ((revents & Fds.POLLIN) == 0) {
        return List.of();
      }
      MemorySegment buf = arena.allocate(BUFFER, 8);
      int n = Fds.read(handle.fd(), buf, BUFFER);
      List<Event> events = new ArrayList<>();
      for (int off = 0; off + EVENT_HEADER <= n; ) {
        int wd = buf.get(INT, off);
        int mask = buf.get(INT, off + 4);
        int cookie = buf.get(INT, off + 8);
        int len = buf.get(INT, off + 12);
        String name = "";
        if (len > 0) {
          byte[] raw = buf.asSlice(off + EVENT_HEADER, len).toArray(Native.BYTE);
          int end = 0;
          while (end < raw.length && raw[end] != 0) {
            end++;
          }
          name = new String(raw, 0, end, StandardCharsets.UTF_8);
        }
        events.add(new Event(wd, mask, cookie, name));
        off += EVENT_HEADER + len;
      }
      return events;
    } finally {
      handle.release();
    }
  }

  @Override
  public void close() {
    handle.close();
  }
}
