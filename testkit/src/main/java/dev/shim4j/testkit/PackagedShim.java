package dev.shim4j.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The distribution shim4j-maven-plugin built for the module under test ({@code shim4j:package}:
 * {@code target/shim4j/{bin,lib}}), for tests that run the shim as it ships, tuned launcher,
 * shim4j-start and AOT cache included:
 *
 * <pre>{@code
 * try (var cd = PrivateContainerd.start()) {
 *     Path shim = PackagedShim.launcher("containerd-shim-mine-v1");
 *     cd.ctrOk("run", "--rm", "--runtime", shim.toString(), cd.busyboxImage(), "c1", "/bin/echo", "hi");
 * }
 * }</pre>
 *
 * The plugin runs in the {@code package} phase, after {@code test}: such tests run in
 * {@code integration-test}, with maven-failsafe-plugin (classes named {@code *IT}) or a surefire
 * execution bound there. The distribution is {@code target/shim4j} under the working directory
 * (the module's, as Maven runs tests), or the directory named by the system property
 * {@value #DIRECTORY_PROPERTY} (for an {@code outputDirectory} of the plugin's own).
 */
public final class PackagedShim {
    /** Names the distribution directory when it is not {@code target/shim4j}. */
    public static final String DIRECTORY_PROPERTY = "shim4j.dist";

    private PackagedShim() {}

    /** The distribution's directory (absolute), whether or not it was built. */
    public static Path directory() {
        return Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/shim4j")).toAbsolutePath();
    }

    /**
     * The absolute path of {@code bin/command}, what containerd runs ({@code ctr run --runtime
     * PATH}); fails with what to do when the distribution has no such launcher.
     */
    public static Path launcher(String command) {
        Path launcher = directory().resolve("bin").resolve(command);
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no packaged launcher " + launcher + ": shim4j-maven-plugin's package"
                    + " goal makes it in the package phase; run the test in integration-test (mvn verify,"
                    + " maven-failsafe-plugin) with the plugin configured for command " + command);
        }
        return launcher;
    }
}
