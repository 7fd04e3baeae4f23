package dev.shim4j.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File checks and clean-up of the start tests; none of them follows a symlink. */
final class TestFiles {
  private TestFiles() {}

  /** The unix sockets in the tree under {@code dir} (none if it is not a directory). */
  static List<Path> socketsUnder(Path dir) throws IOException {
    return under(dir).stream().filter(TestFiles::isSocket).toList();
  }

  /** Every path in the tree under {@code dir}, {@code dir} included; symlinks not followed. */
  static List<Path> under(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    for (int attempt = 0; ; attempt++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        return walk.toList();
      } catch (UncheckedIOException | NoSuchFileException e) {
        if (attempt == 3) {
          throw e;
        }
        // something in the tree was removed while walking: walk again
      }
    }
  }

  /** The names in directory {@code dir}. */
  static List<String> children(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static boolean isSocket(Path p) {
    return (mode(p) & 0170000) == 0140000;
  }

  /** st_mode (file type and permissions) of {@code p} itself; 0 if it is gone. */
  static int mode(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return 0;
    }
  }

  /** The owner's uid of {@code p} itself; -1 if it is gone. */
  static int uid(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return -1;
    }
  }

  static void removeTree(Path top) throws IOException {
    if (top == null) {
      return;
    }
    for (Path p : under(top).stream().sorted(Comparator.reverseOrder()).toList()) {
      Files.deleteIfExists(p);
    }
  }
}
