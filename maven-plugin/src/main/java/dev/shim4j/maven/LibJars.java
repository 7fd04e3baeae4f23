package dev.shim4j.maven;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * lib/: the jars a distribution runs on, and their class path order.
 *
 * <p>The order is fixed (by name) so that a launcher's class path is the one its AOT cache was
 * trained with (a cache only loads for the same class path), except that the jars declaring a
 * {@code System.LoggerFinder} come first: the shim library's jar registers one, and the JDK looks
 * for one with a ServiceLoader when java.util.logging starts (protobuf starts it). That lookup
 * stops at the first jar that has one, and opening the others costs 10-20 ms of a cold daemon's
 * CPU (each jar's central directory is read in interpreted code).
 */
final class LibJars {
    static final String LOGGER_FINDER = "META-INF/services/java.lang.System$LoggerFinder";

    private final Path lib;
    private final List<String> names;

    private LibJars(Path lib, List<String> names) {
        this.lib = lib;
        this.names = names;
    }

    /**
     * Copies {@code jars} (file name in lib/ to the jar) into {@code lib}, which must hold nothing
     * else, and orders them.
     */
    static LibJars copy(Map<String, Path> jars, Path lib) throws IOException {
        Files.createDirectories(lib);
        for (Map.Entry<String, Path> jar : jars.entrySet()) {
            Files.copy(jar.getValue(), lib.resolve(jar.getKey()), StandardCopyOption.REPLACE_EXISTING);
        }
        var first = new ArrayList<String>();
        var rest = new ArrayList<String>();
        for (String name : jars.keySet().stream().sorted().toList()) {
            (has(lib.resolve(name), LOGGER_FINDER) ? first : rest).add(name);
        }
        first.addAll(rest);
        return new LibJars(lib, List.copyOf(first));
    }

    /**
     * The file names jars get in lib/: {@code artifactId-version[-classifier].jar}, or with the
     * group in front where two artifacts of different groups would share a name.
     */
    static Map<String, Path> named(List<JarArtifact> artifacts) {
        Set<String> seen = new HashSet<>();
        Set<String> clashing = new HashSet<>();
        for (JarArtifact a : artifacts) {
            if (!seen.add(a.shortName())) {
                clashing.add(a.shortName());
            }
        }
        var named = new LinkedHashMap<String, Path>();
        for (JarArtifact a : artifacts) {
            named.put(clashing.contains(a.shortName()) ? a.groupId() + "." + a.shortName() : a.shortName(), a.file());
        }
        return named;
    }

    /** A jar to ship: its coordinates (for its name) and the file. */
    record JarArtifact(String groupId, String artifactId, String version, String classifier, Path file) {
        String shortName() {
            return artifactId + "-" + version + (classifier == null || classifier.isEmpty() ? "" : "-" + classifier)
                    + ".jar";
        }
    }

    /** The names in class path order. */
    List<String> names() {
        return names;
    }

    /** The class path with absolute paths, for the JVMs of the build (training, cache creation). */
    String absoluteClasspath() {
        return String.join(":", names.stream().map(n -> lib.resolve(n).toString()).toList());
    }

    /** Whether some jar holds the class (a dotted name). */
    boolean holdsClass(String className) throws IOException {
        String entry = className.replace('.', '/') + ".class";
        for (String name : names) {
            if (has(lib.resolve(name), entry)) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(Path jar, String entry) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry(entry) != null;
        }
    }

}
