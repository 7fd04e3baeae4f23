package dev.shim4j.shim.mount;

import static dev.shim4j.sys.Mounts.MS_BIND;
import static dev.shim4j.sys.Mounts.MS_RDONLY;
import static dev.shim4j.sys.Mounts.MS_REC;
import static dev.shim4j.sys.Mounts.MS_REMOUNT;
import static dev.shim4j.sys.Mounts.MS_SILENT;

import dev.shim4j.api.types.Mount;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Errno;
import dev.shim4j.sys.MountInfo;
import dev.shim4j.sys.Mounts;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts containerd's rootfs description ({@code containerd.types.Mount} lists) and takes it down
 * again, the way containerd's Go mount package does on Linux.
 */
public final class Mounter {
  private static final System.Logger LOG = ShimLogging.logger(Mounter.class);
  /** The kernel copies at most a page of mount data; containerd keeps 512 bytes of headroom. */
  static final int MAX_DATA = 4096 - 512;
  private static final int BUSY_RETRIES = 50;
  private static final long BUSY_PAUSE_MILLIS = 50;

  private Mounter() {}

  /**
   * Mounts each entry in order onto {@code target} (joined with its own {@code target} when it has
   * one, which must stay inside). If one fails, those already mounted are undone.
   */
  public static void mountAll(List<Mount> mounts, Path target) throws IOException {
    List<Path> done = new java.util.ArrayList<>();
    try {
      for (Mount m : mounts) {
        Path destination = destination(target, m.getTarget());
        mount(m, destination);
        done.add(destination);
      }
    } catch (IOException | RuntimeException e) {
      // Undo only what this call mounted, newest first; whatever was there before stays.
      for (Path p : done.reversed()) {
        try {
          unmount(p);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** One mount onto {@code target}: the mount itself, then propagation, then read-only for binds. */
  public static void mount(Mount m, Path target) throws IOException {
    MountOptions o = MountOptions.parse(m.getOptionsList());
    if (o.loop()) {
      throw new UnsupportedOperationException("loop mounts are not supported (mount of " + m.getSource() + ")");
    }
    if (o.data().length() > MAX_DATA) {
      throw new IllegalArgumentException("mount options of " + m.getType() + " are too long for the kernel ("
          + o.data().length() + " bytes, at most " + MAX_DATA + ")");
    }
    String type = m.getType().isEmpty() ? null : m.getType();
    String source = m.getSource().isEmpty() ? null : m.getSource();
    if ((o.flags() & MS_REMOUNT) == 0 || !o.data().isEmpty()) {
      Mounts.mount(source, target, type, o.flags(), o.data().isEmpty() ? null : o.data());
    }
    try {
      if (o.propagation() != 0) {
        Mounts.mount(null, target, null, o.propagation() | (o.flags() & (MS_REC | MS_SILENT)), null);
      }
      // A bind mount ignores MS_RDONLY on creation; only a remount of the bind makes it read-only.
      if (o.has(MS_BIND | MS_RDONLY)) {
        Mounts.mount(null, target, null, o.flags() | MS_REMOUNT, null);
      }
    } catch (SysException e) {
      unmountQuietly(target);
      throw e;
    }
  }

  /**
   * Unmounts everything at or below {@code target}, deepest first (stacked mounts included). A busy
   * mount is retried for a while, then detached lazily so the shim can go on.
   */
  public static void unmountAll(Path target) throws IOException {
    Path dir = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath().normalize();
    for (int round = 0; round < 64; round++) {
      List<MountInfo> under = MountInfo.under(MountInfo.current(), dir);
      if (under.isEmpty()) {
        return;
      }
      for (MountInfo m : under) {
        unmount(m.mountPoint());
      }
    }
    throw new IOException("mounts under " + dir + " keep coming back");
  }

  /** One umount2; EBUSY is retried, then MNT_DETACH; "not mounted" (EINVAL) and ENOENT are fine. */
  public static void unmount(Path mountPoint) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        Mounts.unmount(mountPoint, 0);
        return;
      } catch (SysException e) {
        if (e.is(Errno.EINVAL) || e.is(Errno.ENOENT)) {
          return;
        }
        if (!e.is(Errno.EBUSY)) {
          throw e;
        }
        if (attempt >= BUSY_RETRIES) {
          LOG.log(Level.WARNING, "{0} stays busy; detaching it lazily", mountPoint);
          Mounts.unmount(mountPoint, Mounts.MNT_DETACH);
          return;
        }
      }
      try {
        Thread.sleep(BUSY_PAUSE_MILLIS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        Mounts.unmount(mountPoint, Mounts.MNT_DETACH);
        return;
      }
    }
  }

  static Path destination(Path root, String inner) {
    if (inner.isEmpty() || inner.equals("/")) {
      return root;
    }
    Path base = root.toAbsolutePath().normalize();
    Path joined = base.resolve(inner.replaceFirst("^/+", "")).normalize();
    if (!joined.startsWith(base)) {
      throw new IllegalArgumentException("mount target " + inner + " escapes " + root);
    }
    return joined;
  }

  private static void unmountQuietly(Path target) {
    try {
      Mounts.unmount(target, Mounts.MNT_DETACH);
    } catch (SysException ignored) {
      // Reporting the original failure matters more.
    }
  }
}
