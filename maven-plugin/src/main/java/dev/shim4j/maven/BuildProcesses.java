package dev.shim4j.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The build's child processes (java, launchers, the training driver): bounded in time. */
final class BuildProcesses {
    private BuildProcesses() {}

    /**
     * Runs {@code process} with stdin from /dev/null and waits up to {@code timeout} for its exit
     * status; a process that outlives it is killed and reported as an IOException.
     */
    static int run(ProcessBuilder process, Duration timeout) throws IOException, InterruptedException {
        Process p = process.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(String.join(" ", process.command()) + " did not finish within " + timeout);
        }
        return p.exitValue();
    }

    /** The file's text, or what kept it from being read (for error messages). */
    static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e + ")";
        }
    }
}
