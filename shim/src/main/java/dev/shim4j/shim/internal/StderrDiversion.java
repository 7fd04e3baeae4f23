package dev.shim4j.shim.internal;

import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps stray output off the process's stderr. containerd 1.6 reads {@code start}'s stdout and
 * stderr as one answer, and the JVM itself prints warnings to descriptor 2 (e.g. JDK 24+ warns
 * there when protobuf first uses sun.misc.Unsafe), bypassing System.err. So descriptor 2 is
 * pointed at /dev/null, and the real stderr is kept on a private duplicate for the bootstrap's
 * own one-line errors.
 */
final class StderrDiversion {
  static final String QUIET_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

  private StderrDiversion() {}

  /** Diverts descriptor 2 and System.err; returns a stream on the original stderr. */
  static PrintStream divert() {
    PrintStream original = System.err;
    if (!needed()) {
      return original;
    }
    try {
      int saved = Fds.dupCloexec(2, 3);
      int devNull = Fds.open(Path.of("/dev/null"), Fds.O_WRONLY | Fds.O_CLOEXEC);
      try {
        Fds.dup2(devNull, 2);
      } finally {
        Fds.closeQuietly(devNull);
      }
      System.setErr(new PrintStream(OutputStream.nullOutputStream(), true));
      return new PrintStream(new FdOutputStream(saved), true);
    } catch (IOException | RuntimeException e) {
      return original; // no diversion possible: still better to run than to fail
    }
  }

  /**
   * Diverting costs native calls at start-up, so it is skipped when it cannot matter: stderr is
   * already /dev/null (the daemon), or the JVM was told not to print the Unsafe warning (the
   * distribution's launchers pass {@value #QUIET_UNSAFE}).
   */
  static boolean needed() {
    try {
      if (Files.readSymbolicLink(Path.of("/proc/self/fd/2")).equals(Path.of("/dev/null"))) {
        return false;
      }
    } catch (IOException | RuntimeException e) {
      // unknown: divert
    }
    String envOptions = System.getenv().getOrDefault("JDK_JAVA_OPTIONS", "");
    if (envOptions.contains(QUIET_UNSAFE)) {
      return false;
    }
    try {
      return !DaemonCommandLine.split(Files.readAllBytes(Path.of("/proc/self/cmdline"))).contains(QUIET_UNSAFE);
    } catch (IOException e) {
      return true;
    }
  }
}
