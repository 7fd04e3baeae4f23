package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A containerd release that {@link PrivateContainerd} runs: this machine's own (Debian bookworm's
 * 1.6, on the PATH), or a newer one that {@code scripts/containerd-fetch} unpacked from Debian's
 * archive into {@code ~/.cache/shim4j/containerd/SERIES} (1.7 from trixie, 2.1 from sid). Every
 * release runs with the machine's runc.
 *
 * <p>Which one a test run uses: the system property {@value #PROPERTY}, else the environment
 * variable {@value #ENV}, else 1.6.
 *
 * @param series "1.6", "1.7" or "2.1"
 * @param binDir the directory of its {@code containerd}, {@code ctr} and
 *     {@code containerd-shim-runc-v2}
 */
public record ContainerdRelease(String series, Path binDir) {
    public static final String PROPERTY = "shim4j.containerd";
    public static final String ENV = "SHIM4J_CONTAINERD";
    /** The series the machine's own containerd package is. */
    public static final String SYSTEM_SERIES = "1.6";
    public static final List<String> SERIES = List.of("1.6", "1.7", "2.1");

    /** The release this test run asked for (see the class comment). */
    public static ContainerdRelease selected() {
        String series = System.getProperty(PROPERTY);
        if (series == null || series.isBlank()) {
            series = System.getenv(ENV);
        }
        return of(series == null || series.isBlank() ? SYSTEM_SERIES : series.strip());
    }

    /** The release of {@code series}, which must be this machine's or fetched already. */
    public static ContainerdRelease of(String series) {
        if (!SERIES.contains(series)) {
            throw new IllegalArgumentException("unknown containerd series " + series + " (known: " + SERIES + ")");
        }
        if (series.equals(SYSTEM_SERIES)) {
            return new ContainerdRelease(series, Path.of("/usr/bin"));
        }
        Path bin = cache().resolve("containerd").resolve(series).resolve("usr/bin");
        if (!Files.isExecutable(bin.resolve("containerd"))) {
            throw new IllegalStateException("containerd " + series + " is not in " + bin
                    + ": run scripts/containerd-fetch " + series + " (scripts/deps does)");
        }
        return new ContainerdRelease(series, bin);
    }

    public Path containerd() { return binDir.resolve("containerd"); }
    public Path ctr() { return binDir.resolve("ctr"); }

    /** Whether this release is 2.0 or later (config version 3, task API v3 offered, -info). */
    public boolean atLeast2() { return !series.startsWith("1."); }

    /** The exact Debian version of a fetched release; the series for the machine's own. */
    public String version() {
        Path file = binDir.getParent().getParent().resolve("VERSION");
        if (!Files.exists(file)) {
            return series;
        }
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path cache() {
        String dir = System.getenv("SHIM4J_CACHE");
        return dir == null || dir.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "shim4j") : Path.of(dir);
    }
}
