package dev.shim4j.testkit;

import dev.shim4j.launcher.LauncherFiles;
import dev.shim4j.launcher.StartProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The launchers' {@code shim4j-start}, compiled from the source shipped in
 * {@code dev.shim4j:shim4j-launcher} (the same the distribution's launchers are built from by
 * shim4j-maven-plugin), so tests that run before anything is packaged, in this repository or in
 * a shim author's, start shims the way production does ({@link Launchers}). Compiled once per
 * source content into the build directory of the module under test ({@code target/}): the tests
 * run it as root, so it is not kept where another user could have put a file of that name (/tmp).
 */
public final class StartLauncher {
    private static Path binary;

    private StartLauncher() {}

    /** The compiled program (compiled on first use). */
    public static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        try {
            byte[] text = LauncherFiles.bytes(LauncherFiles.START_SOURCE);
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text), 0, 8);
            Path target = Files.createDirectories(Path.of("target").toAbsolutePath()).resolve("shim4j-start-" + hash);
            if (!Files.isExecutable(target)) {
                StartProgram.compile(StartProgram.defaultCompiler(), target);
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
}
