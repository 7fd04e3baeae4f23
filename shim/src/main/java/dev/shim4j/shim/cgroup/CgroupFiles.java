package dev.shim4j.shim.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/** Reading the kernel's cgroup files: single numbers, "max", and "key value" tables. */
final class CgroupFiles {
  /** What containerd reports for "max" in v2 files: math.MaxUint64, i.e. -1 as a Java long. */
  static final long MAX_V2 = -1L;

  private CgroupFiles() {}

  /** The file's text, or empty when it does not exist (a controller or feature not enabled). */
  static java.util.Optional<String> read(Path file) throws IOException {
    try {
      return java.util.Optional.of(Files.readString(file));
    } catch (NoSuchFileException e) {
      return java.util.Optional.empty();
    }
  }

  /** A number file; "max" maps to {@code maxValue}; missing files are empty. */
  static OptionalLong number(Path file, long maxValue) throws IOException {
    var text = read(file);
    if (text.isEmpty()) {
      return OptionalLong.empty();
    }
    String t = text.get().strip();
    if (t.isEmpty()) {
      return OptionalLong.empty();
    }
    if (t.equals("max")) {
      return OptionalLong.of(maxValue);
    }
    return OptionalLong.of(parseUnsigned(t, file));
  }

  static long numberOrZero(Path file) throws IOException {
    return number(file, 0).orElse(0);
  }

  /** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control...). */
  static Map<String, Long> table(Path file) throws IOException {
    Map<String, Long> map = new LinkedHashMap<>();
    var text = read(file);
    if (text.isEmpty()) {
      return map;
    }
    for (String line : text.get().split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2) {
        map.put(kv[0], parseUnsigned(kv[1], file));
      }
    }
    return map;
  }

  /** Unsigned 64-bit; negative values (v1 sometimes reports -1) are clamped to 0. */
  static long parseUnsigned(String s, Path file) {
    try {
      if (s.startsWith("-")) {
        Long.parseLong(s);
        return 0;
      }
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("unexpected content in " + file + ": " + s, e);
    }
  }
}
