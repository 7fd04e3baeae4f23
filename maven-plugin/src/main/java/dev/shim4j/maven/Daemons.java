package dev.shim4j.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The shim daemons a training started. The daemon is not the build's child (the start that made
 * it has exited), so it is found as containerd's tools find a shim: by the {@code -id ID} of its
 * command line, in /proc.
 */
final class Daemons {
    private Daemons() {}

    /** The pid of the process whose arguments hold {@code -id ID}, if one runs. */
    static OptionalLong withId(String id) throws IOException {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                List<String> args = arguments(proc);
                for (int i = 0; i + 1 < args.size(); i++) {
                    if (args.get(i).equals("-id") && args.get(i + 1).equals(id)) {
                        return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    private static List<String> arguments(Path proc) {
        try {
            return List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of(); // gone meanwhile, or not ours to read
        }
    }

    /** Waits up to {@code timeout} for the process to exit; kills it if it does not. */
    static boolean awaitExit(long pid, Duration timeout) throws InterruptedException {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return true;
        }
        try {
            process.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            process.get().destroyForcibly();
            return false;
        }
    }
}
