package dev.shim4j.shim;

import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Keeps stray output off the process's stderr. containerd 1.6 reads {@code start}'s stdout and
 * stderr as one answer, and the JVM itself prints warnings to descriptor 2 (e.g. JDK 24+ warns
 * there when protobuf first uses sun.misc.Unsafe), bypassing System.err. So descriptor 2 is
 * pointed at /dev/null, and the real stderr is kept on a private duplicate for the bootstrap's
 * own one-line errors.
 */
final class StderrDiversion {
  private StderrDiversion() {}

  /** Diverts descriptor 2 and System.err; returns a stream on the original stderr. */
  static PrintStream divert() {
    PrintStream original = System.err;
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
}
