package dev.shim4j.launcher;

// ProcessBuilder, not the reaper: cc runs at build time (the Maven plugin) or in a test JVM, never in a shim process.

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Compiles {@code shim4j-start} ({@link LauncherFiles#START_SOURCE}) with the machine's C
 * compiler: one program, the same under the plugin-built launchers and the testkit's.
 *
 * <p>The source is written next to the output and compiled into a temporary name there, then
 * moved over the output in one step: a reader of the output never sees a half-written binary,
 * and two builds compiling into the same place at once each move a whole program.
 */
public final class StartProgram {
    /** The compiler to use: {@code $CC}, else {@code cc}. */
    public static String defaultCompiler() {
        String cc = System.getenv("CC");
        return cc == null || cc.isBlank() ? "cc" : cc;
    }

    private StartProgram() {}

    /**
     * Compiles the program into {@code output} (its directory must exist). Fails with the
     * compiler's output in the message, or with what to install when there is no compiler.
     */
    public static void compile(String compiler, Path output) throws IOException, InterruptedException {
        Path dir = output.toAbsolutePath().getParent();
        Path source = Files.createTempFile(dir, "shim4j-start-", ".c");
        Path partial = Files.createTempFile(dir, "shim4j-start-", ".part");
        Path log = Files.createTempFile(dir, "shim4j-start-", ".log");
        try {
            Files.write(source, LauncherFiles.bytes(LauncherFiles.START_SOURCE));
            List<String> cmd = List.of(compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-o", partial.toString(),
                    source.toString());
            Process cc;
            try {
                cc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IOException("no C compiler '" + compiler + "' (install one, e.g. gcc, or set CC):"
                        + " shim4j-start is compiled from C at build time", e);
            }
            if (!cc.waitFor(300, TimeUnit.SECONDS)) {
                cc.destroyForcibly();
                throw new IOException("the C compiler did not finish compiling shim4j-start within 300 s");
            }
            if (cc.exitValue() != 0) {
                throw new IOException("cannot compile shim4j-start (" + String.join(" ", cmd) + "): "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            Files.move(partial, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(source);
            Files.deleteIfExists(log);
        }
    }
}
