package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Process identity, sessions, prctl, signals to pids, and waitpid. */
public final class Processes {
  /** waitpid option: return at once when no child has exited. */
  public static final int WNOHANG = 1;
  /** waitpid pid: any child. */
  public static final int ANY_CHILD = -1;

  private static final int PR_SET_PDEATHSIG = 1;
  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int PR_GET_CHILD_SUBREAPER = 37;
  private static final int PR_SET_MM = 35;
  private static final int PR_SET_MM_ARG_START = 8;
  private static final int PR_SET_MM_ARG_END = 9;
  /** Set once PR_SET_MM was refused (no CAP_SYS_RESOURCE): later calls go straight in place. */
  private static volatile boolean setMmRefused;

  private static final Native.Fn GETPID = Native.fn("getpid");
  private static final Native.Fn GETPPID = Native.fn("getppid");
  private static final Native.Fn GETUID = Native.fn("getuid");
  private static final Native.Fn GETGID = Native.fn("getgid");
  private static final Native.Fn SETSID = Native.fn("setsid");
  private static final Native.Fn GETSID = Native.fn("getsid");
  private static final Native.Fn KILL = Native.fn("kill");
  private static final Native.Fn WAITPID = Native.fn("waitpid");
  private static final Native.Fn PRCTL = Native.fn("prctl"); // variadic: see Native
  private static final Native.Fn CHDIR = Native.fn("chdir");
  private static final Native.Fn SETPRIORITY = Native.fn("setpriority");
  private static final int PRIO_PROCESS = 0;

  private Processes() {}

  public static int getpid() {
    return GETPID.call(Native.NO_ERRNO);
  }

  public static int getppid() {
    return GETPPID.call(Native.NO_ERRNO);
  }

  public static int getuid() {
    return GETUID.call(Native.NO_ERRNO);
  }

  public static int getgid() {
    return GETGID.call(Native.NO_ERRNO);
  }

  /** Makes the calling process a session and group leader; returns the new session id. */
  public static int setsid() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int sid = SETSID.call(err);
      if (sid < 0) {
        throw new SysException("setsid", Native.errno(err));
      }
      return sid;
    }
  }

  /** The session id of {@code pid} (0 = the caller). */
  public static int getsid(int pid) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int sid = GETSID.call(err, pid);
      if (sid < 0) {
        throw new SysException("getsid", String.valueOf(pid), Native.errno(err));
      }
      return sid;
    }
  }

  /** kill(2): signal {@code pid} (negative = a process group). Signal 0 only checks existence. */
  public static void kill(int pid, int signal) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (KILL.call(err, pid, signal) != 0) {
        throw new SysException("kill", pid + " " + Signals.name(signal), Native.errno(err));
      }
    }
  }

  /** True when a process with this pid exists (it may be a zombie). */
  public static boolean exists(int pid) {
    try {
      kill(pid, 0);
      return true;
    } catch (SysException e) {
      return e.errno() == Errno.EPERM;
    }
  }

  /**
   * waitpid(2). Blocks unless {@code options} has {@link #WNOHANG} (then empty when nothing has
   * exited). Retries EINTR. Throws ECHILD when there is no child to wait for.
   *
   * <p>A blocking call parks the calling thread in native code: call it from a platform thread.
   */
  public static Optional<WaitStatus> waitpid(int pid, int options) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment status = arena.allocate(INT);
      while (true) {
        int reaped = WAITPID.call(err, pid, Native.ptr(status), options);
        if (reaped > 0) {
          return Optional.of(new WaitStatus(reaped, status.get(INT, 0)));
        }
        if (reaped == 0) {
          return Optional.empty();
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("waitpid", String.valueOf(pid), errno);
        }
      }
    }
  }

  /**
   * chdir(2): the working directory of the whole process, which children inherit. The JVM's
   * {@code user.dir} (and so {@code Path.toAbsolutePath()}) keeps the directory it started in.
   */
  public static void chdir(Path dir) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (CHDIR.call(err, Native.ptr(arena.allocateFrom(dir.toString()))) != 0) {
        throw new SysException("chdir", dir.toString(), Native.errno(err));
      }
    }
  }

  /**
   * setpriority(PRIO_PROCESS, tid, nice). On Linux this is the nice value of one thread, the one
   * whose thread id is {@code tid}; threads it creates later inherit it.
   */
  public static void setNice(int tid, int nice) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (SETPRIORITY.call(err, PRIO_PROCESS, tid, nice) != 0) {
        throw new SysException("setpriority", Native.errno(err));
      }
    }
  }

  /** Makes this process a child subreaper: orphaned descendants are reparented to it. */
  public static void setChildSubreaper(boolean on) throws SysException {
    prctl("prctl(PR_SET_CHILD_SUBREAPER)", PR_SET_CHILD_SUBREAPER, on ? 1 : 0);
  }

  public static boolean isChildSubreaper() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(INT);
      prctl("prctl(PR_GET_CHILD_SUBREAPER)", PR_GET_CHILD_SUBREAPER, Native.ptr(value));
      return value.get(INT, 0) != 0;
    }
  }

  /**
   * PR_SET_PDEATHSIG: the kernel sends {@code signal} to the calling process when the THREAD that
   * created it exits. In a JVM that thread is arbitrary, so use with care.
   */
  public static void setParentDeathSignal(int signal) throws SysException {
    prctl("prctl(PR_SET_PDEATHSIG)", PR_SET_PDEATHSIG, signal);
  }

  /**
   * Makes {@code args} this process's command line, the one /proc/PID/cmdline and ps show: for a
   * process that took on another job than the one it was started for (a pre-started daemon
   * adopted by a container's start). Two ways:
   *
   * <ul>
   *   <li>with CAP_SYS_RESOURCE, the kernel is pointed at a copy (prctl PR_SET_MM), which stays
   *       allocated for the life of the process: call this once or rarely;
   *   <li>without it (EPERM), the line is written over the old one, as setproctitle(3) does,
   *       when it fits; the old line's remaining bytes become NULs, which /proc shows as empty
   *       arguments at the end. The JVM keeps copies of its arguments, not pointers into them.
   * </ul>
   *
   * Returns false, and changes nothing, when neither can be done.
   */
  public static boolean setCommandLine(List<String> args) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String arg : args) {
      bytes.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
    }
    byte[] line = bytes.toByteArray();
    String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
    // the fields from the 3rd (state) on; arg_start and arg_end are the 48th and 49th (proc(5))
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long oldStart = Long.parseLong(fields[48 - 3]);
    long oldEnd = Long.parseLong(fields[49 - 3]);
    if (!setMmRefused) {
      MemorySegment copy = Arena.global().allocate(Math.max(1, line.length));
      MemorySegment.copy(line, 0, copy, Native.BYTE, 0, line.length);
      try {
        pointCommandLineAt(copy.address(), copy.address() + line.length, oldStart, oldEnd);
        return true;
      } catch (SysException e) {
        setMmRefused = e.errno() == Errno.EPERM; // (the copy stays: global memory is never freed)
      }
    }
    if (line.length > oldEnd - oldStart) {
      return false;
    }
    MemorySegment old = MemorySegment.ofAddress(oldStart).reinterpret(oldEnd - oldStart);
    old.fill((byte) 0);
    MemorySegment.copy(line, 0, old, Native.BYTE, 0, line.length);
    return true;
  }

  /**
   * arg_start and arg_end to [start, end). The kernel keeps arg_start <= arg_end after each call,
   * so the bound that keeps that true moves first; it is put back if the second call fails (a
   * line from the new start to the old end would span whatever lies between).
   */
  private static void pointCommandLineAt(long start, long end, long oldStart, long oldEnd) throws SysException {
    boolean startFirst = start <= oldEnd;
    int first = startFirst ? PR_SET_MM_ARG_START : PR_SET_MM_ARG_END;
    int second = startFirst ? PR_SET_MM_ARG_END : PR_SET_MM_ARG_START;
    prctl("prctl(PR_SET_MM)", PR_SET_MM, first, startFirst ? start : end);
    try {
      prctl("prctl(PR_SET_MM)", PR_SET_MM, second, startFirst ? end : start);
    } catch (SysException e) {
      prctl("prctl(PR_SET_MM)", PR_SET_MM, first, startFirst ? oldStart : oldEnd);
      throw e;
    }
  }

  private static void prctl(String call, int option, long arg2) throws SysException {
    prctl(call, option, arg2, 0);
  }

  private static void prctl(String call, int option, long arg2, long arg3) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (PRCTL.call(err, option, arg2, arg3, 0, 0) != 0) {
        throw new SysException(call, Native.errno(err));
      }
    }
  }

  /** /proc/PID/oom_score_adj (-1000..1000). */
  public static int oomScoreAdj(int pid) throws IOException {
    String text = Files.readString(oomPath(pid), StandardCharsets.US_ASCII).trim();
    return Integer.parseInt(text);
  }

  public static void setOomScoreAdj(int pid, int value) throws IOException {
    if (value < -1000 || value > 1000) {
      throw new IllegalArgumentException("oom_score_adj out of range: " + value);
    }
    Files.writeString(oomPath(pid), Integer.toString(value), StandardCharsets.US_ASCII);
  }

  private static Path oomPath(int pid) {
    return Path.of("/proc", pid == 0 ? "self" : Integer.toString(pid), "oom_score_adj");
  }
}
