package dev.shim4j.shim.memory;

import dev.shim4j.sys.Madvise;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops this process's mappings of read-only file pages (madvise MADV_DONTNEED), so that only the
 * pages it touches again count in its resident set.
 *
 * <p>Why: start-up runs much of libjvm (class loading and linking, the FFM linker, C1) that an
 * idle daemon never runs again, yet every mapped page counts in its Pss: libjvm's code and
 * read-only data drop from ~14 MB to ~8-9 MB resident and stay there. The pages stay in the page
 * cache; one the daemon touches again is mapped back by a minor fault, from the same file.
 * (The AOT cache's read-only part is dropped too, but comes straight back: the JVM reads a little
 * of every 2 MB of it, and the kernel maps a cached large folio whole.)
 *
 * <p>Only mappings that cannot lose data are dropped: backed by a file, not writable, and holding
 * no private (copy-on-write) page, which is what a relocated, then write-protected, segment such
 * as a library's RELRO holds; for those MADV_DONTNEED would bring back the unrelocated file
 * contents. A read-only mapping cannot gain such pages later.
 */
public final class FilePages {
  private static final Path SMAPS = Path.of("/proc/self/smaps");

  /** One mapping of /proc/self/smaps, as far as the choice needs it. */
  record Mapping(long start, long end, String perms, String path, long rssKb, long anonymousKb) {
    /** File-backed, not writable, no private page: dropping it loses nothing. */
    boolean droppable() {
      return path.startsWith("/") && perms.length() >= 2 && perms.charAt(0) == 'r'
          && perms.charAt(1) != 'w' && anonymousKb == 0 && rssKb > 0;
    }
  }

  private FilePages() {}

  /** Drops every droppable mapping; returns the kB they had resident. */
  public static long dropUnused() throws IOException {
    long dropped = 0;
    for (Mapping m : parse(Files.readAllLines(SMAPS))) {
      if (!m.droppable()) {
        continue;
      }
      try {
        // Else a touched page comes back with its neighbours: the kernel maps a cached 2 MB
        // folio whole (as a huge page) and otherwise faults around a page in 64 KB batches.
        Madvise.advise(m.start(), m.end() - m.start(), Madvise.MADV_NOHUGEPAGE);
        Madvise.advise(m.start(), m.end() - m.start(), Madvise.MADV_RANDOM);
        Madvise.advise(m.start(), m.end() - m.start(), Madvise.MADV_DONTNEED);
        dropped += m.rssKb();
      } catch (SysException e) {
        // EINVAL for a locked or special mapping: it simply stays.
      }
    }
    return dropped;
  }

  /** The mappings of an smaps text. */
  static List<Mapping> parse(List<String> lines) {
    List<Mapping> out = new ArrayList<>();
    long start = 0;
    long end = 0;
    String perms = null;
    String path = "";
    long rss = 0;
    long anon = 0;
    for (String line : lines) {
      int dash = line.indexOf('-');
      int space = line.indexOf(' ');
      if (dash > 0 && space > dash && isHex(line, 0, dash)) { // "start-end perms offset dev inode path"
        if (perms != null) {
          out.add(new Mapping(start, end, perms, path, rss, anon));
        }
        start = Long.parseUnsignedLong(line, 0, dash, 16);
        end = Long.parseUnsignedLong(line, dash + 1, space, 16);
        String[] f = line.substring(space + 1).trim().split("\\s+", 5);
        perms = f[0];
        path = f.length == 5 ? f[4] : "";
        rss = 0;
        anon = 0;
      } else if (line.startsWith("Rss:")) {
        rss = kb(line);
      } else if (line.startsWith("Anonymous:")) {
        anon = kb(line);
      }
    }
    if (perms != null) {
      out.add(new Mapping(start, end, perms, path, rss, anon));
    }
    return out;
  }

  private static boolean isHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return to > from;
  }

  private static long kb(String line) {
    String[] f = line.trim().split("\\s+");
    return f.length >= 2 ? Long.parseLong(f[1]) : 0;
  }
}
