package dev.shim4j.dist.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's memory from /proc/PID/smaps_rollup, in kB. */
record Pss(long pss, long anon, long file, long rss) {
  static Pss of(int pid) throws IOException {
    long pss = 0, anon = 0, file = 0, rss = 0;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      switch (f[0]) {
        case "Pss:" -> pss = Long.parseLong(f[1]);
        case "Pss_Anon:" -> anon = Long.parseLong(f[1]);
        case "Pss_File:" -> file = Long.parseLong(f[1]);
        case "Rss:" -> rss = Long.parseLong(f[1]);
        default -> { }
      }
    }
    return new Pss(pss, anon, file, rss);
  }
}
