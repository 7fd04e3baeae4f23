package dev.shim4j.maven;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lib/'s class path order and jar names. */
class LibJarsTest {
    @TempDir Path dir;

    @Test
    void theLoggerFinderJarComesFirstThenByName() throws IOException {
        var jars = new LinkedHashMap<String, Path>();
        jars.put("zeta-1.jar", jar("zeta", "z/Z.class"));
        jars.put("shim-1.jar", jar("shim", LibJars.LOGGER_FINDER, "dev/shim4j/shim/Shim.class"));
        jars.put("alpha-1.jar", jar("alpha", "a/A.class"));
        LibJars lib = LibJars.copy(jars, dir.resolve("lib"));
        assertThat(lib.names()).containsExactly("shim-1.jar", "alpha-1.jar", "zeta-1.jar");
        assertThat(lib.holdsClass("dev.shim4j.shim.Shim")).isTrue();
        assertThat(lib.holdsClass("a.A")).isTrue();
        assertThat(lib.holdsClass("b.B")).isFalse();
        assertThat(lib.absoluteClasspath()).startsWith(dir.resolve("lib/shim-1.jar").toString() + ":");
        assertThat(dir.resolve("lib/alpha-1.jar")).isRegularFile();
    }

    @Test
    void namesGetTheGroupOnlyWhereTheyWouldClash() {
        Map<String, Path> named = LibJars.named(List.of(
                new LibJars.JarArtifact("g1", "util", "1", null, dir.resolve("a.jar")),
                new LibJars.JarArtifact("g2", "util", "1", null, dir.resolve("b.jar")),
                new LibJars.JarArtifact("g1", "api", "2", "linux", dir.resolve("c.jar"))));
        assertThat(named.keySet()).containsExactly("g1.util-1.jar", "g2.util-1.jar", "api-2-linux.jar");
    }

    private Path jar(String name, String... entries) throws IOException {
        Path jar = dir.resolve(name + ".src.jar");
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : entries) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.closeEntry();
            }
        }
        return jar;
    }
}
