package dev.shim4j.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The files a shim4j launcher is made of, shipped as resources of this artifact so that a shim
 * built outside this repository (through shim4j-maven-plugin) gets the same ones as runc4j:
 *
 * <ul>
 *   <li>{@link #START_SOURCE}: the C source of {@code shim4j-start}, the launchers' {@code start}
 *       (compiled by {@link StartProgram});
 *   <li>{@link #LAUNCHER_TEMPLATE}: the bash launcher, with {@code @NAME@}, {@code @MAIN@},
 *       {@code @JAVA_HOME@}, {@code @CLASSPATH@} and {@code @JVM_OPTIONS@} to fill in;
 *   <li>{@link #JVM_OPTIONS}: the tuned JVM command line, one option per line, {@code #}
 *       comments.
 * </ul>
 */
public final class LauncherFiles {
    public static final String START_SOURCE = "shim4j-start.c";
    public static final String LAUNCHER_TEMPLATE = "launcher.bash";
    public static final String JVM_OPTIONS = "jvm.options";

    private LauncherFiles() {}

    /** The bytes of one of the files above. */
    public static byte[] bytes(String name) {
        try (InputStream in = LauncherFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no launcher file " + name + " in shim4j-launcher");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read launcher file " + name, e);
        }
    }

    /** One of the files above as text (UTF-8). */
    public static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }
}
