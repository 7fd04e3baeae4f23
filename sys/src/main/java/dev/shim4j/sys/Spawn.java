package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * posix_spawn with the child set up the way a shim needs it:
 *
 * <ul>
 *   <li>descriptors: each {@link #fd(int, int) mapping} and {@link #devNull(int) /dev/null} lands on
 *       its number; fds 0-2 not mentioned are inherited; EVERY other descriptor is closed (the JVM
 *       leaves many without close-on-exec);
 *   <li>signals: an empty mask and default dispositions for all signals (the JVM blocks and
 *       handles several; an exec'ed child must not inherit that);
 *   <li>optionally a new session (setsid) or process group, and a working directory.
 * </ul>
 *
 * <p>Errors of the child before exec (exec itself, chdir, dup2) are reported by posix_spawn as a
 * {@link SysException}. This class only spawns; reaping is the caller's business (the shim's
 * reaper).
 */
public final class Spawn {
  private static final short POSIX_SPAWN_SETPGROUP = 0x02;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  // glibc: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128 on x86_64;
  // allocate generously so a layout change in libc cannot overrun our memory.
  private static final long FILE_ACTIONS_SIZE = 1024;
  private static final long ATTR_SIZE = 1024;
  private static final long SIGSET_SIZE = 128;

  // These report errors by return value; errno is not read (Native.NO_ERRNO).
  private static final Native.Fn FA_INIT = Native.fn("posix_spawn_file_actions_init");
  private static final Native.Fn FA_DESTROY = Native.fn("posix_spawn_file_actions_destroy");
  private static final Native.Fn FA_ADDDUP2 = Native.fn("posix_spawn_file_actions_adddup2");
  private static final Native.Fn FA_ADDCLOSE = Native.fn("posix_spawn_file_actions_addclose");
  private static final Native.Fn FA_ADDOPEN = Native.fn("posix_spawn_file_actions_addopen");
  private static final Optional<Native.Fn> FA_ADDCHDIR =
      Native.optionalFn("posix_spawn_file_actions_addchdir_np");
  private static final Optional<Native.Fn> FA_ADDCLOSEFROM =
      Native.optionalFn("posix_spawn_file_actions_addclosefrom_np");
  private static final Native.Fn ATTR_INIT = Native.fn("posix_spawnattr_init");
  private static final Native.Fn ATTR_DESTROY = Native.fn("posix_spawnattr_destroy");
  private static final Native.Fn ATTR_SETFLAGS = Native.fn("posix_spawnattr_setflags");
  private static final Native.Fn ATTR_SETSIGMASK = Native.fn("posix_spawnattr_setsigmask");
  private static final Native.Fn ATTR_SETSIGDEFAULT = Native.fn("posix_spawnattr_setsigdefault");
  private static final Native.Fn ATTR_SETPGROUP = Native.fn("posix_spawnattr_setpgroup");
  private static final Native.Fn SIGEMPTYSET = Native.fn("sigemptyset");
  private static final Native.Fn SIGFILLSET = Native.fn("sigfillset");
  private static final Native.Fn POSIX_SPAWNP = Native.fn("posix_spawnp");
  private static final MemorySegment NO_ERRNO = Native.NO_ERRNO;

  private final List<String> argv;
  private Map<String, String> env;
  private Path cwd;
  private final Map<Integer, Integer> fds = new LinkedHashMap<>();
  private final Set<Integer> devNull = new LinkedHashSet<>();
  private boolean newSession;
  private boolean newProcessGroup;

  private Spawn(List<String> argv) {
    this.argv = List.copyOf(argv);
    if (this.argv.isEmpty()) {
      throw new IllegalArgumentException("empty argv");
    }
  }

  /** argv[0] without a slash is searched in this process's PATH (posix_spawnp). */
  public static Spawn of(List<String> argv) {
    return new Spawn(argv);
  }

  public static Spawn of(String... argv) {
    return new Spawn(List.of(argv));
  }

  /** The child's whole environment; null (the default) = this process's environment. */
  public Spawn env(Map<String, String> environment) {
    this.env = environment == null ? null : Map.copyOf(environment);
    return this;
  }

  /** The child's working directory; null = ours. */
  public Spawn cwd(Path dir) {
    if (dir != null && FA_ADDCHDIR.isEmpty()) {
      throw new UnsupportedOperationException("glibc lacks posix_spawn_file_actions_addchdir_np");
    }
    this.cwd = dir;
    return this;
  }

  /** The child gets a duplicate of our {@code parentFd} as its {@code childFd}. */
  public Spawn fd(int childFd, int parentFd) {
    if (childFd < 0 || parentFd < 0) {
      throw new IllegalArgumentException("bad descriptor mapping " + childFd + " <- " + parentFd);
    }
    devNull.remove(childFd);
    fds.put(childFd, parentFd);
    return this;
  }

  /** The child's {@code childFd} is /dev/null opened read-write. */
  public Spawn devNull(int childFd) {
    if (childFd < 0) {
      throw new IllegalArgumentException("bad descriptor " + childFd);
    }
    fds.remove(childFd);
    devNull.add(childFd);
    return this;
  }

  /** The child calls setsid: its own session and process group, no controlling terminal. */
  public Spawn newSession() {
    this.newSession = true;
    return this;
  }

  /** The child leads a new process group (ignored with {@link #newSession()}). */
  public Spawn newProcessGroup() {
    this.newProcessGroup = true;
    return this;
  }

  /** Spawns the child and returns its pid. */
  public int start() throws SysException {
    int maxTarget = 2;
    for (int fd : fds.keySet()) {
      maxTarget = Math.max(maxTarget, fd);
    }
    for (int fd : devNull) {
      maxTarget = Math.max(maxTarget, fd);
    }
    // Move every source above all targets first, so one dup2 never clobbers a later source.
    List<int[]> moves = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      for (var e : fds.entrySet()) {
        moves.add(new int[] {Fds.dupCloexec(e.getValue(), maxTarget + 1), e.getKey()});
      }
      MemorySegment fa = arena.allocate(FILE_ACTIONS_SIZE, 16);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
      check("posix_spawn_file_actions_init", FA_INIT.call(NO_ERRNO, Native.ptr(fa)));
      try {
        check("posix_spawnattr_init", ATTR_INIT.call(NO_ERRNO, Native.ptr(attr)));
        try {
          addFileActions(arena, fa, moves, maxTarget);
          setAttributes(arena, attr);
          MemorySegment pid = arena.allocate(INT);
          List<String> envp = new ArrayList<>();
          (env == null ? System.getenv() : env).forEach((k, v) -> envp.add(k + "=" + v));
          int rc = POSIX_SPAWNP.call(NO_ERRNO, Native.ptr(pid),
              Native.ptr(arena.allocateFrom(argv.getFirst())), Native.ptr(fa), Native.ptr(attr),
              Native.ptr(Native.stringArray(arena, argv)), Native.ptr(Native.stringArray(arena, envp)));
          if (rc != 0) {
            throw new SysException("posix_spawn", argv.getFirst(), rc);
          }
          return pid.get(INT, 0);
        } finally {
          ATTR_DESTROY.call(NO_ERRNO, Native.ptr(attr));
        }
      } finally {
        FA_DESTROY.call(NO_ERRNO, Native.ptr(fa));
      }
    } finally {
      for (int[] move : moves) {
        Fds.closeQuietly(move[0]);
      }
    }
  }

  private void addFileActions(Arena arena, MemorySegment fa, List<int[]> moves, int maxTarget)
      throws SysException {
    Set<Integer> targets = new TreeSet<>();
    for (int[] move : moves) {
      // dup2 onto the target also clears close-on-exec there
      check("posix_spawn_file_actions_adddup2", FA_ADDDUP2.call(NO_ERRNO, Native.ptr(fa), move[0], move[1]));
      targets.add(move[1]);
    }
    MemorySegment devNullPath = arena.allocateFrom("/dev/null");
    for (int fd : devNull) {
      check("posix_spawn_file_actions_addopen",
          FA_ADDOPEN.call(NO_ERRNO, Native.ptr(fa), fd, Native.ptr(devNullPath), Fds.O_RDWR, 0));
      targets.add(fd);
    }
    // Descriptors between 3 and the highest target that nobody asked for: close (glibc ignores
    // EBADF for these), then everything above the highest target.
    for (int fd = 3; fd <= maxTarget; fd++) {
      if (!targets.contains(fd)) {
        check("posix_spawn_file_actions_addclose", FA_ADDCLOSE.call(NO_ERRNO, Native.ptr(fa), fd));
      }
    }
    if (FA_ADDCLOSEFROM.isPresent()) {
      check("posix_spawn_file_actions_addclosefrom_np",
          FA_ADDCLOSEFROM.get().call(NO_ERRNO, Native.ptr(fa), maxTarget + 1));
    } else {
      for (int fd : openDescriptors()) {
        if (fd > maxTarget) {
          check("posix_spawn_file_actions_addclose", FA_ADDCLOSE.call(NO_ERRNO, Native.ptr(fa), fd));
        }
      }
    }
    if (cwd != null) {
      check("posix_spawn_file_actions_addchdir_np",
          FA_ADDCHDIR.get().call(NO_ERRNO, Native.ptr(fa), Native.ptr(arena.allocateFrom(cwd.toString()))));
    }
  }

  private void setAttributes(Arena arena, MemorySegment attr) throws SysException {
    short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (newSession) {
      flags |= POSIX_SPAWN_SETSID;
    } else if (newProcessGroup) {
      flags |= POSIX_SPAWN_SETPGROUP;
      check("posix_spawnattr_setpgroup", ATTR_SETPGROUP.call(NO_ERRNO, Native.ptr(attr), 0));
    }
    MemorySegment empty = arena.allocate(SIGSET_SIZE, 8);
    MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
    check("sigemptyset", SIGEMPTYSET.call(NO_ERRNO, Native.ptr(empty)));
    check("sigfillset", SIGFILLSET.call(NO_ERRNO, Native.ptr(all)));
    // sigfillset leaves out glibc's internal signals 32 and 33; without their bits glibc's spawn
    // sets them to SIG_IGN in the child, and an ignored disposition survives exec.
    all.set(Native.LONG, 0, all.get(Native.LONG, 0) | (1L << 31) | (1L << 32));
    check("posix_spawnattr_setsigmask", ATTR_SETSIGMASK.call(NO_ERRNO, Native.ptr(attr), Native.ptr(empty)));
    check("posix_spawnattr_setsigdefault", ATTR_SETSIGDEFAULT.call(NO_ERRNO, Native.ptr(attr), Native.ptr(all)));
    check("posix_spawnattr_setflags", ATTR_SETFLAGS.call(NO_ERRNO, Native.ptr(attr), flags));
  }

  private static void check(String call, int rc) throws SysException {
    if (rc != 0) {
      throw new SysException(call, rc);
    }
  }

  private static List<Integer> openDescriptors() throws SysException {
    List<Integer> result = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path p : dir) {
        result.add(Integer.parseInt(p.getFileName().toString()));
      }
    } catch (IOException e) {
      throw new SysException("opendir", "/proc/self/fd", Errno.EIO);
    }
    return result;
  }
}
