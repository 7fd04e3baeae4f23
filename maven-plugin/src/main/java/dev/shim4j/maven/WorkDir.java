package dev.shim4j.maven;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.maven.plugin.logging.Log;

/** Removes a build's temporary directory, never through a mount. */
final class WorkDir {
    private WorkDir() {}

    static void remove(Path dir, Log log) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> mounts = mountsUnder(dir);
        if (!mounts.isEmpty()) {
            log.warn("left " + dir + " in place: mounted under it: " + mounts);
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) { // does not follow symlinks
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Mount points at or under {@code dir} (field 5 of /proc/self/mountinfo; octal escapes kept). */
    private static List<String> mountsUnder(Path dir) throws IOException {
        String prefix = dir.toRealPath().toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(line -> line.split(" ")).filter(f -> f.length > 4).map(f -> f[4])
                    .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).toList();
        }
    }
}
