package dev.shim4j.runcshim;

import dev.shim4j.api.types.Mount;
import dev.shim4j.sys.MountInfo;
import dev.shim4j.sys.Mounts;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mounts the rootfs containerd sends with Create ({@code containerd.types.Mount}: overlay from
 * the overlayfs snapshotter, bind from native) onto {@code <bundle>/rootfs}, and unmounts
 * everything below it again.
 */
final class Rootfs {
  private Rootfs() {}

  /** mount(8) option words that are flags; everything else goes to the file system as data. */
  private static final Map<String, long[]> FLAGS = Map.ofEntries(
      // word -> {flag, clear(1)/set(0)}
      Map.entry("ro", new long[] {Mounts.MS_RDONLY, 0}),
      Map.entry("rw", new long[] {Mounts.MS_RDONLY, 1}),
      Map.entry("nosuid", new long[] {Mounts.MS_NOSUID, 0}),
      Map.entry("suid", new long[] {Mounts.MS_NOSUID, 1}),
      Map.entry("nodev", new long[] {Mounts.MS_NODEV, 0}),
      Map.entry("dev", new long[] {Mounts.MS_NODEV, 1}),
      Map.entry("noexec", new long[] {Mounts.MS_NOEXEC, 0}),
      Map.entry("exec", new long[] {Mounts.MS_NOEXEC, 1}),
      Map.entry("sync", new long[] {Mounts.MS_SYNCHRONOUS, 0}),
      Map.entry("async", new long[] {Mounts.MS_SYNCHRONOUS, 1}),
      Map.entry("dirsync", new long[] {Mounts.MS_DIRSYNC, 0}),
      Map.entry("noatime", new long[] {Mounts.MS_NOATIME, 0}),
      Map.entry("atime", new long[] {Mounts.MS_NOATIME, 1}),
      Map.entry("nodiratime", new long[] {Mounts.MS_NODIRATIME, 0}),
      Map.entry("diratime", new long[] {Mounts.MS_NODIRATIME, 1}),
      Map.entry("relatime", new long[] {Mounts.MS_RELATIME, 0}),
      Map.entry("norelatime", new long[] {Mounts.MS_RELATIME, 1}),
      Map.entry("strictatime", new long[] {Mounts.MS_STRICTATIME, 0}),
      Map.entry("bind", new long[] {Mounts.MS_BIND, 0}),
      Map.entry("rbind", new long[] {Mounts.MS_BIND | Mounts.MS_REC, 0}),
      Map.entry("remount", new long[] {Mounts.MS_REMOUNT, 0}),
      Map.entry("defaults", new long[] {0, 0}));

  /** Parsed options: mount flags and the remaining comma-joined data. */
  record Options(long flags, String data) {}

  static Options parseOptions(List<String> options) {
    long flags = 0;
    List<String> data = new ArrayList<>();
    for (String o : options) {
      long[] f = FLAGS.get(o);
      if (f == null) {
        data.add(o);
      } else if (f[1] == 0) {
        flags |= f[0];
      } else {
        flags &= ~f[0];
      }
    }
    return new Options(flags, String.join(",", data));
  }

  /** Mounts every entry in order onto {@code target} (all of containerd's rootfs mounts stack there). */
  static void mount(List<Mount> mounts, Path target) throws IOException {
    Files.createDirectories(target);
    List<Mount> done = new ArrayList<>();
    try {
      for (Mount m : mounts) {
        mountOne(m, target);
        done.add(m);
      }
    } catch (IOException e) {
      if (!done.isEmpty()) {
        unmountAll(target);
      }
      throw e;
    }
  }

  private static void mountOne(Mount m, Path target) throws IOException {
    Options o = parseOptions(m.getOptionsList());
    String type = m.getType();
    long flags = o.flags();
    boolean bind = (flags & Mounts.MS_BIND) != 0 || type.equals("bind") || type.equals("rbind");
    if (type.equals("bind")) {
      flags |= Mounts.MS_BIND;
    } else if (type.equals("rbind")) {
      flags |= Mounts.MS_BIND | Mounts.MS_REC;
    }
    try {
      Mounts.mount(m.getSource(), target, bind ? "" : type, flags, o.data().isEmpty() ? null : o.data());
      // A bind mount ignores MS_RDONLY and friends on the first call: remount to apply them.
      long perMount = flags & (Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC);
      if (bind && perMount != 0) {
        Mounts.mount("", target, "", perMount | Mounts.MS_BIND | Mounts.MS_REMOUNT, null);
      }
    } catch (SysException e) {
      throw new IOException("mount " + type + " " + m.getSource() + " on " + target + " (options "
          + String.join(",", m.getOptionsList()) + "): " + e.getMessage(), e);
    }
  }

  /** Unmounts everything at or below {@code dir}, deepest first; a lazy detach when busy. */
  static void unmountAll(Path dir) throws IOException {
    Path canonical;
    try {
      canonical = dir.toRealPath();
    } catch (IOException gone) {
      return;
    }
    // A mount can be stacked several times on the same path: loop until nothing is left.
    for (int round = 0; round < 16; round++) {
      List<MountInfo> below = MountInfo.under(MountInfo.current(), canonical);
      if (below.isEmpty()) {
        return;
      }
      for (MountInfo m : below) {
        try {
          Mounts.unmount(m.mountPoint(), 0);
        } catch (SysException e) {
          try {
            Mounts.unmount(m.mountPoint(), Mounts.MNT_DETACH);
          } catch (SysException e2) {
            if (round == 15) {
              throw new IOException("cannot unmount " + m.mountPoint() + ": " + e2.getMessage(), e2);
            }
          }
        }
      }
    }
  }
}
