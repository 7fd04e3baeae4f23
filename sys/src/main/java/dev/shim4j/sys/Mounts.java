package dev.shim4j.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** mount(2) and umount2(2) with their flag constants. Mount helpers themselves live in shim. */
public final class Mounts {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_SYNCHRONOUS = 16;
  public static final long MS_REMOUNT = 32;
  public static final long MS_MANDLOCK = 64;
  public static final long MS_DIRSYNC = 128;
  public static final long MS_NOSYMFOLLOW = 256;
  public static final long MS_NOATIME = 1024;
  public static final long MS_NODIRATIME = 2048;
  public static final long MS_BIND = 4096;
  public static final long MS_MOVE = 8192;
  public static final long MS_REC = 16384;
  public static final long MS_SILENT = 32768;
  public static final long MS_POSIXACL = 1L << 16;
  public static final long MS_UNBINDABLE = 1L << 17;
  public static final long MS_PRIVATE = 1L << 18;
  public static final long MS_SLAVE = 1L << 19;
  public static final long MS_SHARED = 1L << 20;
  public static final long MS_RELATIME = 1L << 21;
  public static final long MS_I_VERSION = 1L << 23;
  public static final long MS_STRICTATIME = 1L << 24;
  public static final long MS_LAZYTIME = 1L << 25;

  public static final int MNT_FORCE = 1;
  public static final int MNT_DETACH = 2;
  public static final int MNT_EXPIRE = 4;
  public static final int UMOUNT_NOFOLLOW = 8;

  private static final Native.Fn MOUNT = Native.fn("mount");
  private static final Native.Fn UMOUNT2 = Native.fn("umount2");

  private Mounts() {}

  /**
   * mount(2). {@code source}, {@code fstype} and {@code data} may be null (e.g. for MS_BIND,
   * MS_REMOUNT or propagation changes).
   */
  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int rc = MOUNT.call(err, cString(arena, source),
          Native.ptr(arena.allocateFrom(target.toString())), cString(arena, fstype), flags,
          cString(arena, data));
      if (rc != 0) {
        throw new SysException("mount",
            (source == null ? "none" : source) + " on " + target + " (" + (fstype == null ? "" : fstype) + ")",
            Native.errno(err));
      }
    }
  }

  /** umount2(2) with MNT_* flags (MNT_DETACH for a lazy unmount). */
  public static void unmount(Path target, int flags) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      while (true) {
        if (UMOUNT2.call(err, Native.ptr(arena.allocateFrom(target.toString())), flags) == 0) {
          return;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("umount2", target.toString(), errno);
        }
      }
    }
  }

  /** A C string in {@code arena} as a pointer argument; NULL for null. */
  private static long cString(Arena arena, String s) {
    return s == null ? 0 : Native.ptr(arena.allocateFrom(s));
  }
}
