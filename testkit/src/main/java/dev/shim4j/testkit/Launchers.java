package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes executable bash launchers that start a Java main class in a new JVM like the test's own
 * (same java.home, same classpath), so containerd can exec a Java shim by absolute path:
 * {@code ctr run --runtime /abs/launcher ...}.
 */
public final class Launchers {

    /**
     * The classpath launched JVMs get, if the build sets it: a module's runtime classpath, so a
     * shim runs on what it ships with and not on test-only jars (the CRI client's grpc and netty
     * in runc-shim's tests). Unset, the test's own classpath.
     */
    public static final String CLASSPATH_PROPERTY = "shim4j.launcher.classpath";

    private Launchers() {}

    /**
     * Writes {@code dir/name} (mode 0755): {@code exec java --enable-native-access=ALL-UNNAMED
     * JVMARGS -cp CLASSPATH MAINCLASS "$@"}, except that {@code start} goes through the
     * distribution's {@code shim4j-start} (see {@link StartLauncher}) as under its launchers.
     * Returns its absolute path.
     */
    public static Path write(Path dir, String name, String mainClass, List<String> jvmArgs) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        var cmd = new ArrayList<String>();
        cmd.add(java.toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        StringBuilder jvm = new StringBuilder();
        for (String word : cmd) {
            jvm.append(' ').append(shellQuote(word));
        }
        // `start` as the distribution's launcher runs it (shim4j-launcher's launcher.bash): through
        // the same shim4j-start, so the JVM that answers becomes the daemon, and spares or live
        // daemons answer when there are, as in production. Off unless the test's containerd
        // environment turns them on: the end-to-end tests count their shims' processes.
        StringBuilder script = new StringBuilder()
                .append("#!/bin/bash\n")
                .append("# Written by the shim4j testkit: runs ").append(mainClass).append(" on the test classpath.\n")
                .append("if [[ ${!#} == start ]]; then\n")
                .append("  export SHIM4J_PREFORK=${SHIM4J_PREFORK:-0} SHIM4J_WARM_STARTS=${SHIM4J_WARM_STARTS:-0}\n")
                .append("  exec ").append(shellQuote(StartLauncher.binary().toString())).append(' ')
                .append(shellQuote(name)).append(' ').append(cmd.size()).append(jvm).append(" \"$@\"\n")
                .append("fi\n")
                .append("exec").append(jvm).append(" \"$@\"\n");
        try {
            Files.createDirectories(dir);
            Path launcher = dir.resolve(name).toAbsolutePath();
            Files.writeString(launcher, script, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            return launcher;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write launcher " + name + " in " + dir, e);
        }
    }

    /** Absolute entries only: the launcher runs with the bundle as its working directory. */
    static String classpath() {
        String cp = System.getProperty(CLASSPATH_PROPERTY);
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        var abs = new ArrayList<String>();
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                abs.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, abs);
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
