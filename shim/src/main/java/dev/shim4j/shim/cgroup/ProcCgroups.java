package dev.shim4j.shim.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A process's cgroup membership from {@code /proc/PID/cgroup}: lines {@code ID:CONTROLLERS:PATH}.
 * v1 lines name their controllers ("memory", "cpu,cpuacct", "name=systemd"); the v2 line is
 * {@code 0::PATH}.
 *
 * @param v1 controller name to path, each controller of a shared hierarchy listed on its own
 * @param unified the cgroup v2 path, or null when the process has none
 */
public record ProcCgroups(Map<String, String> v1, String unified) {
  public ProcCgroups {
    v1 = Map.copyOf(v1);
  }

  public static ProcCgroups of(int pid) throws IOException {
    return parse(Files.readString(Path.of("/proc/" + pid + "/cgroup")));
  }

  public static ProcCgroups parse(String text) {
    Map<String, String> v1 = new LinkedHashMap<>();
    String unified = null;
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int first = line.indexOf(':');
      int second = first < 0 ? -1 : line.indexOf(':', first + 1);
      if (second < 0) {
        throw new IllegalArgumentException("malformed /proc/PID/cgroup line: " + line);
      }
      String controllers = line.substring(first + 1, second);
      String path = line.substring(second + 1);
      if (controllers.isEmpty()) {
        unified = path;
      } else {
        for (String c : controllers.split(",")) {
          v1.put(c, path);
        }
      }
    }
    return new ProcCgroups(v1, unified);
  }
}
