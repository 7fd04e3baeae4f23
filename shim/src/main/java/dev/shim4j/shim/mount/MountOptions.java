package dev.shim4j.shim.mount;

import static dev.shim4j.sys.Mounts.MS_BIND;
import static dev.shim4j.sys.Mounts.MS_DIRSYNC;
import static dev.shim4j.sys.Mounts.MS_MANDLOCK;
import static dev.shim4j.sys.Mounts.MS_NOATIME;
import static dev.shim4j.sys.Mounts.MS_NODEV;
import static dev.shim4j.sys.Mounts.MS_NODIRATIME;
import static dev.shim4j.sys.Mounts.MS_NOEXEC;
import static dev.shim4j.sys.Mounts.MS_NOSUID;
import static dev.shim4j.sys.Mounts.MS_PRIVATE;
import static dev.shim4j.sys.Mounts.MS_RDONLY;
import static dev.shim4j.sys.Mounts.MS_REC;
import static dev.shim4j.sys.Mounts.MS_RELATIME;
import static dev.shim4j.sys.Mounts.MS_REMOUNT;
import static dev.shim4j.sys.Mounts.MS_SHARED;
import static dev.shim4j.sys.Mounts.MS_SLAVE;
import static dev.shim4j.sys.Mounts.MS_STRICTATIME;
import static dev.shim4j.sys.Mounts.MS_SYNCHRONOUS;
import static dev.shim4j.sys.Mounts.MS_UNBINDABLE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mount(8)-style options split the way the kernel wants them, as containerd's mount package does:
 * the words the kernel knows as MS_* flags set or clear bits (later words win, so "ro,rw" is
 * read-write), propagation words are kept apart (they need a mount(2) call of their own), and
 * everything else is filesystem data joined with commas ("lowerdir=...,upperdir=...").
 *
 * @param flags MS_* bits for the mount itself, propagation excluded
 * @param propagation MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE, possibly with MS_REC; 0 for none
 * @param data the filesystem-specific options
 * @param loop the "loop" option was given (needs a loop device; not supported here)
 */
public record MountOptions(long flags, long propagation, String data, boolean loop) {
  public static final long PROPAGATION_TYPES = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

  /** A word that sets ({@code clear} false) or clears its bits. */
  private record Flag(boolean clear, long bits) {}

  private static final Map<String, Flag> FLAGS = Map.ofEntries(
      Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
      Map.entry("atime", new Flag(true, MS_NOATIME)),
      Map.entry("bind", new Flag(false, MS_BIND)),
      Map.entry("defaults", new Flag(false, 0)),
      Map.entry("dev", new Flag(true, MS_NODEV)),
      Map.entry("diratime", new Flag(true, MS_NODIRATIME)),
      Map.entry("dirsync", new Flag(false, MS_DIRSYNC)),
      Map.entry("exec", new Flag(true, MS_NOEXEC)),
      Map.entry("mand", new Flag(false, MS_MANDLOCK)),
      Map.entry("noatime", new Flag(false, MS_NOATIME)),
      Map.entry("nodev", new Flag(false, MS_NODEV)),
      Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
      Map.entry("noexec", new Flag(false, MS_NOEXEC)),
      Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
      Map.entry("norelatime", new Flag(true, MS_RELATIME)),
      Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
      Map.entry("nosuid", new Flag(false, MS_NOSUID)),
      Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)),
      Map.entry("relatime", new Flag(false, MS_RELATIME)),
      Map.entry("remount", new Flag(false, MS_REMOUNT)),
      Map.entry("ro", new Flag(false, MS_RDONLY)),
      Map.entry("rw", new Flag(true, MS_RDONLY)),
      Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
      Map.entry("suid", new Flag(true, MS_NOSUID)),
      Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)));

  private static final Map<String, Long> PROPAGATION = Map.of(
      "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
      "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
      "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
      "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

  public static MountOptions parse(List<String> options) {
    long flags = 0;
    long propagation = 0;
    boolean loop = false;
    List<String> data = new ArrayList<>();
    for (String option : options) {
      Flag flag = FLAGS.get(option);
      Long prop = PROPAGATION.get(option);
      if (flag != null) {
        flags = flag.clear() ? flags & ~flag.bits() : flags | flag.bits();
      } else if (prop != null) {
        propagation = prop;
      } else if (option.equals("loop")) {
        loop = true;
      } else if (option.startsWith("X-containerd.")) {
        // containerd's own hints (mkdir.path...), never meant for the kernel.
        continue;
      } else if (!option.isEmpty()) {
        data.add(option);
      }
    }
    return new MountOptions(flags, propagation, String.join(",", data), loop);
  }

  public boolean has(long bits) {
    return (flags & bits) == bits;
  }
}
