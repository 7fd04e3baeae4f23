package dev.shim4j.shim.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The huge page sizes the kernel offers, named as the hugetlb controller's files are ("2MB", "1GB"). */
final class HugePages {
  private HugePages() {}

  static List<String> sizes() {
    List<String> sizes = new ArrayList<>();
    try (var dirs = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
      for (Path p : dirs.sorted().toList()) {
        String name = p.getFileName().toString(); // hugepages-2048kB
        if (name.startsWith("hugepages-") && name.endsWith("kB")) {
          sizes.add(name(Long.parseLong(name.substring("hugepages-".length(), name.length() - 2))));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return List.of();
    }
    return sizes;
  }

  /** 2048 kB -> "2MB", 1048576 kB -> "1GB", 64 kB -> "64KB". */
  static String name(long kb) {
    String[] units = {"KB", "MB", "GB", "TB"};
    long v = kb;
    int unit = 0;
    while (v >= 1024 && v % 1024 == 0 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return v + units[unit];
  }
}
