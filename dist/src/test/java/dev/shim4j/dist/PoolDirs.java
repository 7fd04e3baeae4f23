package dev.shim4j.dist;

import dev.shim4j.testkit.PackagedShim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Where shim4j-start looks for the spares and daemons of a start, as it says itself. */
final class PoolDirs {
  private static final Path DIST = PackagedShim.directory();

  private PoolDirs() {}

  /** The pool under {@code root} of a start of {@code runtime} from containerd {@code address} in {@code namespace}. */
  static Path of(Path root, String address, String runtime, String namespace) {
    try {
      ProcessBuilder builder = new ProcessBuilder(List.of(DIST.resolve("bin/shim4j-start").toString(), "--pool",
          runtime, "-namespace", namespace, "-address", address));
      builder.environment().put("SHIM4J_PREFORK_DIR", root.toString());
      Process process = builder.redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (process.waitFor() != 0) {
        throw new IllegalStateException("shim4j-start --pool: " + out);
      }
      return Path.of(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
