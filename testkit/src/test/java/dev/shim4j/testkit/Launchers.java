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
     * JVMARGS -cp CLASSPATH MAINCLASS "$@"}, except that {@code start} runs detached and in-process
     * as under the distribution's launcher. Returns its absolute path.
     */
    public static Path write(Path dir, String name, String mainClass, List<String> jvmArgs) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        var cmd = new ArrayList<String>();
        cmd.add(java.toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        StringBuilder jvm = new StringBuilder();
        for (String word : cmd) {
            jvm.append(' ').append(shellQuote(word));
        }
        // `start` as the distribution's launcher runs it (dist/src/main/build/launcher.bash): the
        // JVM that answers becomes the daemon, so tests exercise the production start path.
        StringBuilder script = new StringBuilder()
                .append("#!/bin/bash\n")
                .append("# Written by the shim4j testkit: runs ").append(mainClass).append(" on the test classpath.\n")
                .append("if [[ ${!#} == start ]]; then\n")
                .append("  exec 3<&0\n")
                .append("  answer=\"\"\n")
                .append("  IFS= read -r -d '' answer < <(exec setsid -f").append(jvm)
                .append(" -Ddev.shim4j.start=in-process ").append(shellQuote(mainClass)).append(" \"$@\" <&3 3<&-)\n")
                .append("  [[ -n $answer ]] || exit 1\n")
                .append("  printf '%s' \"$answer\"\n")
                .append("  exit 0\n")
                .append("fi\n")
                .append("exec").append(jvm).append(' ').append(shellQuote(mainClass)).append(" \"$@\"\n");
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
