package dev.shim4j.maven;

// ProcessBuilder, not the reaper: this runs in Maven's JVM at build time, never in a shim process.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A bundle as containerd prepares one for a shim's start: {@code config.json} and the {@code log}
 * FIFO, with a reader kept on it as containerd keeps one (a shim opening the FIFO for writing
 * would otherwise block). The reader opens it read-write, so it never sees end-of-file when one
 * shim closes its end; it is a {@code cat} child of the build, ended by {@link #close()}.
 */
final class TrainingBundle implements AutoCloseable {
    private static final String CONFIG =
            "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}\n";

    private final Path dir;
    private final Process reader;

    private TrainingBundle(Path dir, Process reader) {
        this.dir = dir;
        this.reader = reader;
    }

    /** Makes {@code dir} a bundle whose shim log goes to {@code log}. */
    static TrainingBundle create(Path dir, Path log) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), CONFIG);
        Path fifo = dir.resolve("log");
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString()).inheritIO().start();
        if (!mkfifo.waitFor(60, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + fifo + " failed");
        }
        // sh opens the FIFO read-write itself: a read-only open from here would block until a writer came.
        Process reader = new ProcessBuilder("sh", "-c", "exec cat 0<>\"$0\"", fifo.toString())
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        return new TrainingBundle(dir, reader);
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws InterruptedException {
        reader.destroy();
        if (!reader.waitFor(10, TimeUnit.SECONDS)) {
            reader.destroyForcibly().waitFor();
        }
    }
}
