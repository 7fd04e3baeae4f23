package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The distribution's {@code shim4j-start} (dist/src/main/c/shim4j-start.c), compiled from the
 * repository's source for tests that run before the dist module is built: one program, the same
 * in the distribution and in the tests' launchers ({@link Launchers}). Compiled once per source
 * content into the build directory of the module under test ({@code target/}): the tests run it
 * as root, so it is not kept where another user could have put a file of that name (/tmp).
 */
public final class StartLauncher {
    static final String SOURCE = "dist/src/main/c/shim4j-start.c";
    private static Path binary;

    private StartLauncher() {}

    /** The compiled program (compiled on first use). */
    public static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        try {
            Path source = source();
            byte[] text = Files.readAllBytes(source);
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text), 0, 8);
            Path target = Files.createDirectories(Path.of("target").toAbsolutePath()).resolve("shim4j-start-" + hash);
            if (!Files.isExecutable(target)) {
                Path partial = Files.createTempFile(target.getParent(), "shim4j-start-", ".part");
                Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        partial.toString(), source.toString()).inheritIO().start();
                if (!cc.waitFor(120, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                    throw new IllegalStateException("cannot compile " + source + " with cc");
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            binary = target;
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The source, found from the working directory (a module of the repository) upwards. */
    static Path source() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(SOURCE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find " + SOURCE + " above " + Path.of("").toAbsolutePath());
    }
}
