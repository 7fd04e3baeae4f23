package dev.shim4j.testkit;

// ProcessBuilder, not the reaper: the testkit runs in the test JVM (containerd, ctr, runc), never in a shim process.

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a short-lived external command with a deadline and collects its output. Test code only:
 * shim processes must spawn children through the reaper instead.
 */
final class Commands {

    private Commands() {}

    /** Runs {@code command}, feeding {@code stdin} then closing it; kills it when the deadline passes. */
    static CtrResult run(List<String> command, Map<String, String> env, byte[] stdin, Duration timeout) {
        return run(command, env, stdin, Duration.ZERO, timeout);
    }

    /**
     * Like {@link #run(List, Map, byte[], Duration)}, but keeps stdin open (after writing it) until
     * the child exits or {@code holdStdin} has passed, whichever comes first.
     */
    static CtrResult run(List<String> command, Map<String, String> env, byte[] stdin, Duration holdStdin,
            Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            try (var in = p.getOutputStream()) {
                in.write(stdin);
                in.flush();
                if (!holdStdin.isZero()) {
                    p.waitFor(holdStdin.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (IOException ignored) {
                // The child may exit without reading its stdin; that is its business.
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\n--- stdout so far ---\n" + out.getNow("") + "\n--- stderr so far ---\n" + err.getNow(""));
            }
            return new CtrResult(command, p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + command, e);
        } catch (ExecutionException | TimeoutException e) {
            // Output still open after exit: a grandchild inherited the pipe. Report what we have.
            return new CtrResult(command, p.exitValue(), out.getNow(""), err.getNow(""));
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
