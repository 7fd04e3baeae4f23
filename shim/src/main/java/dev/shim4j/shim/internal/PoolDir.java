package dev.shim4j.shim.internal;

import dev.shim4j.sys.Processes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The directory where the JVMs that answer starts for one containerd, runtime and namespace
 * listen: {@code $SHIM4J_PREFORK_DIR/KEY/}, KEY a hash of the three that the launcher
 * ({@code shim4j-start}) computes and passes as {@value #PROPERTY}, with the text hashed as
 * {@value #KEY_PROPERTY}. It holds:
 *
 * <ul>
 *   <li>{@code key}: the key in words (containerd's address, runtime, namespace);
 *   <li>{@code spare.PID}, {@code daemon.PID}: the sockets of spares and of live daemons;
 *   <li>{@code lock}: locked while the pool's bookkeeping runs (see {@link SparePool});
 *   <li>{@code spares}, {@code demand}, {@code outran}: that bookkeeping.
 * </ul>
 *
 * <p>Nothing here is used that another user could have placed or changed: the pool root and the
 * key directory are made owner-only when missing, and must be real directories (no symlink is
 * followed), owned by this process's user and writable by nobody else; otherwise {@link #open}
 * refuses them ({@link Untrusted}), and the launcher, which checks the same, starts cold.
 */
record PoolDir(Path dir) {
  static final String PROPERTY = "dev.shim4j.pool";
  static final String KEY_PROPERTY = "dev.shim4j.pool.key";
  private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  /** A pool directory (or its root) someone else could have placed or can change: unused. */
  static final class Untrusted extends IOException {
    Untrusted(String why) {
      super(why);
    }
  }

  /** The pool the launcher named for this JVM, opened; empty when it named none. */
  static Optional<PoolDir> configured() throws IOException {
    String dir = System.getProperty(PROPERTY);
    if (dir == null || dir.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(open(Path.of(dir), System.getProperty(KEY_PROPERTY, "")));
  }

  /** Makes (0700) or checks the root above {@code dir} and {@code dir}; writes its key file. */
  static PoolDir open(Path dir, String key) throws IOException {
    Path absolute = dir.toAbsolutePath();
    Path root = absolute.getParent();
    if (root.getParent() != null && !Files.exists(root.getParent(), LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(root.getParent(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    ensureTrusted(root);
    ensureTrusted(absolute);
    PoolDir pool = new PoolDir(absolute);
    if (!key.isEmpty()) {
      Files.writeString(pool.file("key"), key, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }
    return pool;
  }

  private static void ensureTrusted(Path dir) throws IOException {
    try {
      Files.createDirectory(dir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // checked below, as anything already there
    }
    Map<String, Object> attrs = Files.readAttributes(dir, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) attrs.get("mode");
    int uid = (Integer) attrs.get("uid");
    boolean directory = (mode & 0170000) == 0040000;
    if (!directory || uid != Processes.getuid() || (mode & 0022) != 0) {
      throw new Untrusted(dir + " is not a directory of uid " + Processes.getuid()
          + " writable by it alone (mode " + Integer.toOctalString(mode) + ", uid " + uid + ")");
    }
  }

  Path socket(String kind, long pid) {
    return dir.resolve(kind + "." + pid);
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  /**
   * Runs {@code work} holding the pool's lock: a lock on {@code lock} (the kernel releases it when
   * its holder dies, so a killed process never leaves the pool locked), and a lock within this
   * JVM (whose threads the file lock does not tell apart).
   */
  <T> T locked(Callable<T> work) throws Exception {
    ReentrantLock local = IN_PROCESS.computeIfAbsent(dir, d -> new ReentrantLock());
    local.lock();
    try (FileChannel channel = FileChannel.open(file("lock"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        FileLock held = channel.lock()) {
      return work.call();
    } finally {
      local.unlock();
    }
  }
}
