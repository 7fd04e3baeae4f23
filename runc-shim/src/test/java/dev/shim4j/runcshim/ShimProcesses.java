package dev.shim4j.runcshim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Finds runc4j shim daemons and zombies through /proc (test code). */
final class ShimProcesses {
  private ShimProcesses() {}

  /**
   * Daemons of the runc4j shim whose command line has {@code -id ID}: a JVM without an action
   * (spawned by start), or the JVM of an in-process start that lives on as the daemon; not a
   * {@code delete}, nor the launcher's bash or setsid around a start.
   */
  static List<ProcessHandle> serving(String id) {
    return ProcessHandle.allProcesses()
        .filter(h -> {
          List<String> argv = argv(h.pid());
          int i = argv.indexOf("-id");
          boolean forId = argv.contains(Main.class.getName()) && i >= 0 && i + 1 < argv.size()
              && argv.get(i + 1).equals(id) && !argv.contains("delete");
          boolean jvm = !argv.isEmpty() && argv.get(0).endsWith("/java");
          return forId && jvm && isAlive(h.pid())
              && (!argv.contains("start") || argv.contains("-Ddev.shim4j.start=in-process"));
        })
        .toList();
  }

  /** Every runc4j daemon of a namespace. */
  static List<ProcessHandle> all(String namespace) {
    return ProcessHandle.allProcesses()
        .filter(h -> {
          List<String> argv = argv(h.pid());
          return argv.contains(Main.class.getName()) && argv.contains(namespace) && isAlive(h.pid());
        })
        .toList();
  }

  static List<Long> zombiesOf(long parent) {
    List<Long> z = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(h -> {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (f[0].equals("Z") && Long.parseLong(f[1]) == parent) {
          z.add(h.pid());
        }
      } catch (IOException | RuntimeException ignored) {
        // gone
      }
    });
    return z;
  }

  private static boolean isAlive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  static List<String> argv(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return Arrays.asList(new String(b, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }
}
