package dev.shim4j.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One line of /proc/PID/mountinfo (see proc(5)): {@code 36 35 98:0 /mnt1 /mnt/parent rw,noatime
 * master:1 - ext3 /dev/root rw,errors=continue}. Paths are unescaped (\040 is a space).
 */
public record MountInfo(
    int id,
    int parentId,
    String device,
    String root,
    Path mountPoint,
    String options,
    List<String> optionalFields,
    String fsType,
    String source,
    String superOptions) {

  /** The mounts of this process's mount namespace. */
  public static List<MountInfo> current() throws IOException {
    return parse(Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
  }

  /**
   * Mounts at or below {@code dir}, deepest first: the order in which to unmount them. {@code dir}
   * should be canonical (mountinfo holds resolved paths).
   */
  public static List<MountInfo> under(List<MountInfo> mounts, Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    List<MountInfo> result = new ArrayList<>();
    for (MountInfo m : mounts) {
      if (m.mountPoint().startsWith(root)) {
        result.add(m);
      }
    }
    // Deeper paths first; for stacked mounts on one path, the later (higher id) first. Written
    // out: Comparator.comparingInt/thenComparingInt spin method-handle bytecode in a cold JVM
    // (~3 ms of every Create, profiled), a plain lambda comes linked from the AOT cache.
    result.sort((a, b) -> {
      int byDepth = Integer.compare(b.mountPoint().getNameCount(), a.mountPoint().getNameCount());
      return byDepth != 0 ? byDepth : Integer.compare(b.id(), a.id());
    });
    return result;
  }

  /** True when some mount sits exactly at {@code path}. */
  public static boolean isMountPoint(List<MountInfo> mounts, Path path) {
    Path p = path.toAbsolutePath().normalize();
    return mounts.stream().anyMatch(m -> m.mountPoint().equals(p));
  }

  public boolean hasOption(String option) {
    return Arrays.asList(options.split(",")).contains(option)
        || Arrays.asList(superOptions.split(",")).contains(option);
  }

  public static List<MountInfo> parse(String text) {
    List<MountInfo> result = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        result.add(parseLine(line));
      }
    }
    return result;
  }

  public static MountInfo parseLine(String line) {
    String[] f = line.trim().split(" ");
    int dash = -1;
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals("-")) {
        dash = i;
        break;
      }
    }
    if (f.length < 7 || dash < 0 || f.length < dash + 3) {
      throw new IllegalArgumentException("malformed mountinfo line: " + line);
    }
    try {
      return new MountInfo(
          Integer.parseInt(f[0]),
          Integer.parseInt(f[1]),
          f[2],
          unescape(f[3]),
          Path.of(unescape(f[4])),
          f[5],
          List.of(Arrays.copyOfRange(f, 6, dash)),
          unescape(f[dash + 1]),
          unescape(f[dash + 2]),
          f.length > dash + 3 ? f[dash + 3] : "");
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed mountinfo line: " + line, e);
    }
  }

  /** The kernel escapes space, tab, newline and backslash as \ooo octal. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    var out = new java.io.ByteArrayOutputStream();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\\' && i + 3 < b.length && isOctal(b[i + 1]) && isOctal(b[i + 2]) && isOctal(b[i + 3])) {
        out.write(((b[i + 1] - '0') << 6) | ((b[i + 2] - '0') << 3) | (b[i + 3] - '0'));
        i += 3;
      } else {
        out.write(b[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(byte c) {
    return c >= '0' && c <= '7';
  }
}
