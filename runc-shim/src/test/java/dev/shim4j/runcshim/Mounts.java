package dev.shim4j.runcshim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Looks at /proc/self/mountinfo (test code). */
final class Mounts {
  private Mounts() {}

  static boolean anyUnder(Path dir) {
    String prefix = dir.toAbsolutePath().normalize().toString();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4 && (f[4].equals(prefix) || f[4].startsWith(prefix + "/"))) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
